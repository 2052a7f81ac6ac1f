package org.qmpsentinel.agent.proxy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.qmpsentinel.agent.config.SentinelProperties.Proxy;
import org.qmpsentinel.agent.config.SentinelProperties.ProxyMode;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * The agent's pipeline as the daemon wires it — QMP client, registry of supervisors, the proxy as
 * their listener — without Spring, so that a test can stop it and start another one ("restart the
 * agent") against the same QEMU.
 */
final class ProxyAgent implements AutoCloseable {
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final QmpClient client = QmpClient.create();
  final ProxyService proxy;
  final VmRegistry registry;
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  ProxyAgent(Proxy settings, Duration startupSettle) {
    this(settings, startupSettle, true);
  }

  /**
   * @param oob negotiate OOB on the agent's session (sentinel.proxy.oob)
   */
  ProxyAgent(Proxy settings, Duration startupSettle, boolean oob) {
    DetectorSettings d = DetectorSettings.defaults();
    DetectorSettings detector =
        new DetectorSettings(
            startupSettle,
            Duration.ZERO, // no STEADY rate limit unless a test asks for one
            Duration.ZERO, // nor a kick limit: the typed-command test stops and resumes at will
            d.suspectAfter(),
            d.confirmAfter(),
            d.fixedQemu(),
            d.monitorTimeoutsToSuspect(),
            d.baselineGrace(),
            d.firmwareStallAfter());
    SupervisorSettings supervisor =
        SupervisorSettings.defaults().withDetector(detector).withRequestOob(oob);
    VmRegistry[] holder = new VmRegistry[1];
    this.proxy =
        new ProxyService(
            settings,
            key ->
                holder[0]
                    .find(key)
                    .filter(VmSupervisor.class::isInstance)
                    .map(VmSupervisor.class::cast),
            new ProxyMetrics(meters));
    this.registry =
        new VmRegistry(
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
            supervisor,
            proxy);
    holder[0] = registry;
  }

  static Proxy settings(Path dir, ProxyMode mode, Duration deferTimeout, List<String> deny) {
    return settings(dir, mode, deferTimeout, deny, 1024);
  }

  static Proxy settings(
      Path dir, ProxyMode mode, Duration deferTimeout, List<String> deny, int eventBuffer) {
    return new Proxy(
        true,
        dir + "/{vm}.qmp",
        null,
        mode,
        Map.of(),
        deferTimeout,
        deny,
        16,
        16,
        eventBuffer,
        Duration.ofSeconds(60),
        true);
  }

  void watch(String name, Path qemuSocket) {
    registry.appeared(
        new DiscoveredVm(
            "test", name, QmpEndpoint.unix(qemuSocket), Optional.empty(), OptionalLong.empty()));
  }

  VmSnapshot snapshot(String name) {
    return registry.find(name).orElseThrow().snapshot();
  }

  double counter(String outcome, String reason) {
    return meters
        .find("qmp.sentinel.proxy.commands")
        .tag("outcome", outcome)
        .tag("reason", reason)
        .counters()
        .stream()
        .mapToDouble(c -> c.count())
        .sum();
  }

  private boolean closed;

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    registry.close();
    proxy.close();
    client.close();
    scheduler.shutdownNow();
  }
}
