package org.qmpsentinel.agent;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmpsentinel.agent.alert.AlertService;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.agent.discovery.DiscoverySource;
import org.qmpsentinel.agent.discovery.ProcScanSource;
import org.qmpsentinel.agent.discovery.SocketDirectorySource;
import org.qmpsentinel.agent.discovery.StaticDiscoverySource;
import org.qmpsentinel.agent.metrics.SentinelMetrics;
import org.qmpsentinel.agent.remediation.Remediator;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the daemon from {@link SentinelProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SentinelProperties.class)
public class SentinelConfiguration {

  @Bean(destroyMethod = "close")
  QmpClient qmpClient() {
    return QmpClient.create();
  }

  /** Polls of every VM are started here; they never block it (see VmSupervisor). */
  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService pollScheduler() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newScheduledThreadPool(
        2,
        r -> {
          Thread t = new Thread(r, "vm-poll-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  @Bean
  SentinelMetrics sentinelMetrics(MeterRegistry registry) {
    return new SentinelMetrics(registry);
  }

  @Bean
  static String sentinelHost(SentinelProperties properties) {
    if (properties.host() != null && !properties.host().isBlank()) {
      return properties.host();
    }
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (IOException e) {
      return "localhost";
    }
  }

  @Bean(destroyMethod = "close")
  VmRegistry vmRegistry(
      QmpClient client,
      ScheduledExecutorService pollScheduler,
      SentinelProperties properties,
      SentinelMetrics metrics,
      ObjectProvider<AlertService> alerts,
      String sentinelHost) {
    DeferredListener deferred = new DeferredListener();
    VmRegistry registry =
        new VmRegistry(
            new SupervisorRuntime(client, pollScheduler, ProcThreads.system(), Ticker.system()),
            supervisorSettings(properties),
            deferred);
    registry.onRemoval(metrics::remove);
    deferred.delegate =
        new CompositeListener(
            List.of(
                metrics,
                alerts.getObject(),
                new Remediator(
                    properties.remediation().enabled(),
                    properties.remediation().maxResetsPerHour(),
                    metrics)));
    return registry;
  }

  /** How every supervisor polls and detects: {@link SentinelProperties#toSupervisorSettings()}. */
  public static SupervisorSettings supervisorSettings(SentinelProperties properties) {
    return properties.toSupervisorSettings();
  }

  @Bean(destroyMethod = "close")
  AlertService alertService(
      SentinelProperties properties,
      String sentinelHost,
      SentinelMetrics metrics,
      ObjectProvider<VmRegistry> registry)
      throws IOException {
    return new AlertService(
        properties.alerting(), sentinelHost, metrics, () -> registry.getObject().activeHangs());
  }

  /**
   * The sources configured under sentinel.discovery: {@code first} (static endpoints) before any
   * other module's DiscoverySource beans (libvirt), {@code last} (socket glob, /proc scan) after.
   * Earlier sources win when two find the same VM. A holder type, so that collection injection of
   * DiscoverySource beans cannot shadow it.
   */
  record BuiltInSources(List<DiscoverySource> first, List<DiscoverySource> last) {}

  @Bean
  BuiltInSources builtInDiscoverySources(SentinelProperties properties) {
    SentinelProperties.Discovery d = properties.discovery();
    List<DiscoverySource> last = new ArrayList<>();
    if (d.socketGlob() != null && !d.socketGlob().isBlank()) {
      last.add(new SocketDirectorySource(d.socketGlob()));
    }
    if (d.procScan()) {
      last.add(new ProcScanSource(Path.of("/proc")));
    }
    return new BuiltInSources(List.of(new StaticDiscoverySource(d.endpoints())), last);
  }

  /** Runs discovery on its own thread once everything else is up, and alert delivery with it. */
  @Bean
  SmartLifecycle discoveryLoop(
      BuiltInSources builtInDiscoverySources,
      ObjectProvider<DiscoverySource> extraSources,
      VmRegistry registry,
      AlertService alerts,
      SentinelProperties properties) {
    List<DiscoverySource> sources = new ArrayList<>(builtInDiscoverySources.first());
    extraSources.orderedStream().forEach(sources::add);
    sources.addAll(builtInDiscoverySources.last());
    DiscoveryService discovery =
        new DiscoveryService(sources, registry::appeared, registry::vanished);
    return new SmartLifecycle() {
      private ScheduledExecutorService thread;

      @Override
      public void start() {
        alerts.start();
        thread =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "discovery");
                  t.setDaemon(true);
                  return t;
                });
        long every = properties.discovery().interval().toMillis();
        thread.scheduleWithFixedDelay(discovery::scan, 0, every, TimeUnit.MILLISECONDS);
      }

      @Override
      public void stop() {
        thread.shutdownNow();
        thread = null;
      }

      @Override
      public boolean isRunning() {
        return thread != null;
      }
    };
  }

  /** Breaks the registry ↔ alerting construction cycle: set once both exist. */
  static final class DeferredListener
      implements org.qmpsentinel.agent.supervisor.SupervisorListener {
    volatile org.qmpsentinel.agent.supervisor.SupervisorListener delegate =
        org.qmpsentinel.agent.supervisor.SupervisorListener.NONE;

    @Override
    public void onHangEvent(
        org.qmpsentinel.agent.supervisor.VmSupervisor vm, org.qmpsentinel.hang.HangEvent e) {
      delegate.onHangEvent(vm, e);
    }

    @Override
    public void onSnapshot(
        org.qmpsentinel.agent.supervisor.VmSupervisor vm,
        org.qmpsentinel.agent.supervisor.VmSnapshot s) {
      delegate.onSnapshot(vm, s);
    }

    @Override
    public void onConnectionChange(org.qmpsentinel.agent.supervisor.VmSupervisor vm, boolean c) {
      delegate.onConnectionChange(vm, c);
    }

    @Override
    public void onReconnect(org.qmpsentinel.agent.supervisor.VmSupervisor vm) {
      delegate.onReconnect(vm);
    }

    @Override
    public void onCommand(
        org.qmpsentinel.agent.supervisor.VmSupervisor vm,
        String command,
        java.time.Duration latency,
        String outcome) {
      delegate.onCommand(vm, command, latency, outcome);
    }

    @Override
    public void onIntrusionDecision(
        org.qmpsentinel.agent.supervisor.VmSupervisor vm,
        String command,
        org.qmpsentinel.hang.IntrusionDecision decision) {
      delegate.onIntrusionDecision(vm, command, decision);
    }
  }
}
