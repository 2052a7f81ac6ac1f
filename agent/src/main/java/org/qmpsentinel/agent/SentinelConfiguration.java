package org.qmpsentinel.agent;

import io.micrometer.core.instrument.MeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.qmpsentinel.agent.alert.AlertService;
import org.qmpsentinel.agent.alert.AlertSite;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.agent.discovery.DiscoverySource;
import org.qmpsentinel.agent.discovery.ProcScanSource;
import org.qmpsentinel.agent.discovery.SocketDirectorySource;
import org.qmpsentinel.agent.discovery.SocketPolicy;
import org.qmpsentinel.agent.discovery.StaticDiscoverySource;
import org.qmpsentinel.agent.discovery.Unmonitored;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtDiscoveryConfiguration.LibvirtProperties;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtRegisters;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtWatcher;
import org.qmpsentinel.agent.metrics.AlertingInfo;
import org.qmpsentinel.agent.metrics.ScrapeWarmup;
import org.qmpsentinel.agent.metrics.SentinelMetrics;
import org.qmpsentinel.agent.proxy.ProxyMetrics;
import org.qmpsentinel.agent.proxy.ProxyService;
import org.qmpsentinel.agent.remediation.Remediator;
import org.qmpsentinel.agent.supervisor.CompositeListener;
import org.qmpsentinel.agent.supervisor.LibvirtDomains;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.agent.systemd.ServiceManager;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
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
      MeterRegistry registry, ObjectProvider<PrometheusRegistry> prometheus, AgentHost host) {
    prometheus.ifAvailable(p -> p.register(new AlertingInfo(host.name())));
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
  AlertService alertService(SentinelProperties properties, AgentHost host, Environment env)
      throws IOException {
    URI configured = properties.externalUrl();
    Supplier<URI> externalUrl = configured != null ? () -> configured : () -> listeningUrl(env);
    return new AlertService(
        properties.alerting(),
        new AlertSite(
            host.name(),
            properties.alerting().labels(),
            properties.alerting().runbookBaseUrl(),
            externalUrl));
  }

  /**
   * Where the agent listens ({@code server.address}, and the port the server got: with {@code
   * server.port=0} it is known only once it listens), as the default external URL.
   */
  private static URI listeningUrl(Environment env) {
    String address = env.getProperty("server.address", "127.0.0.1");
    String port = env.getProperty("local.server.port", env.getProperty("server.port", "9180"));
    String hostPart = address.contains(":") ? "[" + address + "]" : address;
    return URI.create("http://" + hostPart + ":" + port);
  }

  @Bean
  Remediator remediator(SentinelProperties properties) {
    return new Remediator(
        properties.remediation().enabled(), properties.remediation().maxResetsPerHour());
  }

  /**
   * The QMP safety proxy (off unless sentinel.proxy.enabled): a listener of the supervisors that
   * finds a VM's supervisor through the registry, which is built after it (hence the provider).
   */
  @Bean(destroyMethod = "close")
  ProxyService proxyService(
      SentinelProperties properties, MeterRegistry meters, ObjectProvider<VmRegistry> registry) {
    return new ProxyService(
        properties.proxy(),
        // Only a VM watched over its own QMP socket has a session to proxy (not a libvirt one).
        key ->
            registry
                .getObject()
                .find(key)
                .filter(VmSupervisor.class::isInstance)
                .map(VmSupervisor.class::cast),
        new ProxyMetrics(meters));
  }

  @Bean(destroyMethod = "close")
  VmRegistry vmRegistry(
      QmpClient client,
      ScheduledExecutorService pollScheduler,
      SentinelProperties properties,
      SentinelMetrics metrics,
      AlertService alerts,
      Remediator remediator,
      ProxyService proxy) {
    return new VmRegistry(
        new SupervisorRuntime(
            client, pollScheduler, ProcThreads.system(), Ticker.system(), remediator),
        properties.toSupervisorSettings(),
        new CompositeListener(List.of(metrics, alerts, proxy)));
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

  /**
   * libvirt's domains through libvirt's read-only API (see LibvirtWatcher), fed into the registry;
   * polled at {@code sentinel.poll.interval} (vCPU stats while a domain starts) and {@code
   * sentinel.poll.steady-interval} (run state once it is STEADY).
   */
  @Bean(destroyMethod = "close") // started with discovery (DiscoveryLifecycle), once all is up
  @ConditionalOnProperty(name = "sentinel.discovery.libvirt.enabled", matchIfMissing = true)
  LibvirtWatcher libvirtWatcher(
      LibvirtProperties libvirt,
      SentinelProperties properties,
      VmRegistry registry,
      Unmonitored unmonitored,
      ObjectProvider<LibvirtRegisters> registers) {
    return new LibvirtWatcher(
        new LibvirtWatcher.Settings(
            libvirt.uri(),
            properties.poll().interval(),
            properties.poll().steadyInterval(),
            libvirt.reconnectInterval()),
        new LibvirtDomains(registry, libvirt.uri(), registers.getIfAvailable()),
        unmonitored,
        Ticker.system());
  }

  /** Only with {@code sentinel.discovery.libvirt.register-confirmation=true} (taints domains). */
  @Bean(destroyMethod = "close")
  @ConditionalOnProperty(name = "sentinel.discovery.libvirt.register-confirmation")
  LibvirtRegisters libvirtRegisters(LibvirtProperties libvirt) {
    return new LibvirtRegisters(libvirt.uri());
  }

  @Bean
  DiscoveryLifecycle discoveryLifecycle(
      BuiltInSources builtInDiscoverySources,
      ObjectProvider<DiscoverySource> extraSources,
      ObjectProvider<LibvirtWatcher> libvirt,
      VmRegistry registry,
      SentinelProperties properties,
      ServiceManager serviceManager) {
    List<DiscoverySource> sources = new ArrayList<>(builtInDiscoverySources.first());
    extraSources.orderedStream().forEach(sources::add);
    sources.addAll(builtInDiscoverySources.last());
    return new DiscoveryLifecycle(
        new DiscoveryService(sources, registry::appeared, registry::vanished),
        properties.discovery().interval(),
        libvirt.getIfAvailable(),
        () -> serviceManager.ready("first discovery pass done"));
  }
}
