package org.qmpsentinel.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmpsentinel.agent.alert.AlertService;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.agent.discovery.DiscoverySource;
import org.qmpsentinel.agent.discovery.ProcScanSource;
import org.qmpsentinel.agent.discovery.SocketDirectorySource;
import org.qmpsentinel.agent.discovery.SocketPolicy;
import org.qmpsentinel.agent.discovery.StaticDiscoverySource;
import org.qmpsentinel.agent.metrics.ScrapeWarmup;
import org.qmpsentinel.agent.metrics.SentinelMetrics;
import org.qmpsentinel.agent.remediation.Remediator;
import org.qmpsentinel.agent.supervisor.CompositeListener;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Wires the daemon from {@link SentinelProperties}, in the direction data flows: discovery → VM
 * registry (supervisors) → listeners (metrics, alerting) and the hang responder (remediation).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SentinelProperties.class)
class SentinelConfiguration {

  /** The {@code host} label on alerts. */
  record AgentHost(String name) {}

  @Bean(destroyMethod = "close")
  QmpClient qmpClient() {
    return QmpClient.create();
  }

  /** Runs every VM's serial pipeline and poll timers; nothing on it blocks (see VmSupervisor). */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService pollScheduler() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newScheduledThreadPool(
        2,
        r -> {
          Thread t = new Thread(r, "vm-pipeline-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  @Bean
  AgentHost agentHost(SentinelProperties properties) {
    if (properties.host() != null && !properties.host().isBlank()) {
      return new AgentHost(properties.host());
    }
    try {
      return new AgentHost(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim());
    } catch (IOException e) {
      return new AgentHost("localhost");
    }
  }

  @Bean
  SentinelMetrics sentinelMetrics(
      MeterRegistry registry, ObjectProvider<PrometheusRegistry> prometheus) {
    return new SentinelMetrics(registry, prometheus.getIfAvailable());
  }

  /** Warms the scrape path in the background once the agent is ready (see ScrapeWarmup). */
  @Bean
  ApplicationListener<ApplicationReadyEvent> scrapeWarmup(
      ObjectProvider<PrometheusRegistry> prometheus,
      ObjectProvider<PathMappedEndpoints> endpoints,
      Environment environment) {
    return ready ->
        prometheus.ifAvailable(
            registry -> {
              Optional<ScrapeWarmup.Endpoint> self =
                  ScrapeEndpoints.of(ready.getApplicationContext(), endpoints, environment);
              Thread t = new Thread(new ScrapeWarmup(registry, self), "scrape-warmup");
              t.setDaemon(true);
              t.start();
            });
  }

  @Bean(initMethod = "start", destroyMethod = "close")
  AlertService alertService(SentinelProperties properties, AgentHost host) throws IOException {
    return new AlertService(properties.alerting(), host.name());
  }

  @Bean
  Remediator remediator(SentinelProperties properties) {
    return new Remediator(
        properties.remediation().enabled(), properties.remediation().maxResetsPerHour());
  }

  @Bean(destroyMethod = "close")
  VmRegistry vmRegistry(
      QmpClient client,
      ScheduledExecutorService pollScheduler,
      SentinelProperties properties,
      SentinelMetrics metrics,
      AlertService alerts,
      Remediator remediator) {
    return new VmRegistry(
        new SupervisorRuntime(
            client, pollScheduler, ProcThreads.system(), Ticker.system(), remediator),
        properties.toSupervisorSettings(),
        new CompositeListener(List.of(metrics, alerts)));
  }

  /**
   * The sources configured under sentinel.discovery: {@code first} (static endpoints) before any
   * other module's DiscoverySource beans (libvirt), {@code last} (socket glob, /proc scan) after.
   * Earlier sources win when two find the same VM. A holder type, so that collection injection of
   * DiscoverySource beans cannot shadow it.
   */
  record BuiltInSources(List<DiscoverySource> first, List<DiscoverySource> last) {}

  @Bean
  BuiltInSources builtInDiscoverySources(SentinelProperties properties, SocketPolicy sockets) {
    SentinelProperties.Discovery d = properties.discovery();
    List<DiscoverySource> last = new ArrayList<>();
    if (d.socketGlob() != null && !d.socketGlob().isBlank()) {
      last.add(new SocketDirectorySource(d.socketGlob(), sockets));
    }
    if (d.procScan()) {
      last.add(new ProcScanSource(Path.of("/proc"), sockets));
    }
    return new BuiltInSources(List.of(new StaticDiscoverySource(d.endpoints())), last);
  }

  @Bean
  DiscoveryLifecycle discoveryLifecycle(
      BuiltInSources builtInDiscoverySources,
      ObjectProvider<DiscoverySource> extraSources,
      VmRegistry registry,
      SentinelProperties properties) {
    List<DiscoverySource> sources = new ArrayList<>(builtInDiscoverySources.first());
    extraSources.orderedStream().forEach(sources::add);
    sources.addAll(builtInDiscoverySources.last());
    return new DiscoveryLifecycle(
        new DiscoveryService(sources, registry::appeared, registry::vanished),
        properties.discovery().interval());
  }
}
