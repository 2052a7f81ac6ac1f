package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/** Turns supervisor reports into meters. */
public final class SentinelMetrics implements SupervisorListener {
  private final MeterRegistry registry;
  private final Map<String, VmMeters> vms = new ConcurrentHashMap<>();

  public SentinelMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Registers the spool-depth gauge (the alerting module supplies the value). */
  public void spoolDepth(Supplier<Number> depth) {
    Gauge.builder("qmp.sentinel.alert.spool.depth", depth, d -> d.get().doubleValue())
        .description("alert notifications waiting in the spool")
        .strongReference(true) // the supplier is referenced nowhere else
        .register(registry);
  }

  public void alertDelivery(String webhook, String outcome) {
    Counter.builder("qmp.sentinel.alert.deliveries")
        .description("alert delivery attempts by outcome (delivered, retry, failed)")
        .tags("webhook", webhook, "outcome", outcome)
        .register(registry)
        .increment();
  }

  public void remediation(VmSupervisor vm, String outcome) {
    VmMeters m = vms.get(vm.key());
    if (m != null) {
      m.remediations(outcome).increment();
    }
  }

  @Override
  public void onSnapshot(VmSupervisor vm, VmSnapshot snapshot) {
    vms.computeIfAbsent(vm.key(), k -> new VmMeters(registry, snapshot)).update(snapshot);
  }

  @Override
  public void onReconnect(VmSupervisor vm) {
    VmMeters m = vms.get(vm.key());
    if (m != null) {
      m.reconnects().increment();
    }
  }

  @Override
  public void onCommand(VmSupervisor vm, String command, Duration latency, String outcome) {
    Timer.builder("qmp.sentinel.qmp.command")
        .description("QMP command latency")
        .tag("command", command)
        .serviceLevelObjectives(
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            Duration.ofMillis(10),
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5))
        .register(registry)
        .record(latency);
    if (!"ok".equals(outcome)) {
      VmMeters m = vms.get(vm.key());
      if (m != null) {
        m.errors(command, outcome).increment();
      }
    }
  }

  @Override
  public void onHangEvent(VmSupervisor vm, HangEvent event) {
    Counter.builder("qmp.sentinel.hang.events")
        .description("hang state changes")
        .tags("kind", event.kind().name(), "state", event.state().name())
        .register(registry)
        .increment();
  }

  @Override
  public void onIntrusionDecision(VmSupervisor vm, String command, IntrusionDecision decision) {
    Counter.builder("qmp.sentinel.intrusive.commands")
        .description("synchronizing/kicking commands admitted or refused by the intrusion policy")
        .tags("decision", decision.allowed() ? "allowed" : "denied", "reason", decision.code())
        .register(registry)
        .increment();
  }

  /** The VM vanished: its meters go with it. */
  public void remove(String key) {
    VmMeters m = vms.remove(key);
    if (m != null) {
      m.removeAll();
    }
  }
}
