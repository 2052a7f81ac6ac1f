package org.qmpsentinel.agent.discovery.libvirt;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.annotation.Validated;

/** Registers {@code sentinel.discovery.libvirt.*}; the agent's wiring starts the watcher. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LibvirtDiscoveryConfiguration.LibvirtProperties.class)
public class LibvirtDiscoveryConfiguration {

  /**
   * {@code sentinel.discovery.libvirt.*}.
   *
   * @param enabled watch libvirt's domains through libvirt's API (default true). Without libvirtd
   *     the agent runs on, lists {@code libvirt_unavailable} once with the reason, and retries
   * @param uri the libvirt connection, opened read-only (default {@code qemu:///system}: the socket
   *     /run/libvirt/libvirt-sock-ro, which Debian opens to every local user)
   * @param reconnectInterval how often a failed or lost connection is retried (at least 1s)
   * @param registerConfirmation confirm a suspected stuck AP by reading its registers through
   *     {@code virDomainQemuMonitorCommand} (default false). This needs a read-write connection
   *     (group {@code libvirt}) and makes libvirt mark the domain tainted ({@code custom-monitor});
   *     without it a hang is confirmed by time ({@code sentinel.detector.confirm-after})
   */
  @Validated
  @ConfigurationProperties("sentinel.discovery.libvirt")
  public record LibvirtProperties(
      @DefaultValue("true") boolean enabled,
      @NotBlank @DefaultValue("qemu:///system") String uri,
      @NotNull @DurationMin(seconds = 1) @DefaultValue("30s") Duration reconnectInterval,
      @DefaultValue("false") boolean registerConfirmation) {}
}
