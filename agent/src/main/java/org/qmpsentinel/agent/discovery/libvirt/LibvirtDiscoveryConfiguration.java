package org.qmpsentinel.agent.discovery.libvirt;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.qmpsentinel.agent.config.AbsolutePath;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.validation.annotation.Validated;

/** Registers the libvirt source unless {@code sentinel.discovery.libvirt.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LibvirtDiscoveryConfiguration.LibvirtProperties.class)
public class LibvirtDiscoveryConfiguration {

  /**
   * {@code sentinel.discovery.libvirt.*}.
   *
   * @param enabled on by default; a host without libvirt simply has no status directory
   * @param statusDir libvirt's live domain status files (an absolute path)
   */
  @Validated
  @ConfigurationProperties("sentinel.discovery.libvirt")
  public record LibvirtProperties(
      @DefaultValue("true") boolean enabled,
      @NotNull @AbsolutePath @DefaultValue("/run/libvirt/qemu") Path statusDir) {}

  @Bean
  @Order(Ordered.HIGHEST_PRECEDENCE) // richer identity than a bare socket: scan before the others
  @ConditionalOnProperty(name = "sentinel.discovery.libvirt.enabled", matchIfMissing = true)
  LibvirtDiscoverySource libvirtDiscoverySource(LibvirtProperties properties) {
    return new LibvirtDiscoverySource(properties.statusDir());
  }
}
