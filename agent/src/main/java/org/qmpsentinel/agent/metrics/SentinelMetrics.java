package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/**
 * Turns supervisor reports into meters: per VM ({@link VmMeters}, read from the snapshot each poll
 * publishes), and agent-wide timers and counters.
 */
public final class SentinelMetrics implements SupervisorListener {
  private static final Duration[] LATENCY_SLOS = {
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(2),
    Duration.ofSeconds(5)
  };

  private final MeterRegistry registry;
  private final Map<String, VmMeters> vms = new ConcurrentHashMap<>();
  private final Timer polls;

  public SentinelMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.polls =
        Timer.builder("qmp.sentinel.poll")
            .description("time from sending a VM's poll to its last reply")
            .serviceLevelObjectives(LATENCY_SLOS)
            .register(registry);
  }

  @Override
  public void onSnapshot(VmSnapshot snapshot) {
    vms.computeIfAbsent(snapshot.key(), k -> new VmMeters(registry, snapshot)).update(snapshot);
  }

  @Override
  public void onReconnect(VmSnapshot vm) {
    VmMeters m = vms.get(vm.key());
    if (m != null) {
      m.reconnects().increment();
    }
  }

  @Override
  public void onPoll(VmSnapshot vm, Duration took) {
    polls.record(took);
  }

  @Override
  public void onCommand(VmSnapshot vm, String command, Duration latency, String outcome) {
    Timer.builder("qmp.sentinel.qmp.command")
        .description("QMP command latency")
        .tag("command", command)
        .serviceLevelObjectives(LATENCY_SLOS)
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
  public void onHangEvent(VmSnapshot vm, HangEvent event) {
    Counter.builder("qmp.sentinel.hang.events")
        .description("hang state changes")
        .tags("kind", event.kind().name(), "state", event.state().name())
        .register(registry)
        .increment();
  }

  @Override
  public void onBaseline(VmSnapshot vm, BaselineQuality quality) {
    Counter.builder("qmp.sentinel.boot.baselines")
        .description(
            "boots whose KVM counter baseline was read, by quality (late: judged per AP, with a"
                + " register read where counters cannot tell)")
        .tag("quality", quality.name().toLowerCase(java.util.Locale.ROOT))
        .register(registry)
        .increment();
  }

  @Override
  public void onIntrusionDecision(VmSnapshot vm, String command, IntrusionDecision decision) {
    Counter.builder("qmp.sentinel.intrusive.commands")
        .description("synchronizing/kicking commands admitted or refused by the intrusion policy")
        .tags("decision", decision.allowed() ? "allowed" : "denied", "reason", decision.code())
        .register(registry)
        .increment();
  }

  /** The VM vanished: its meters go with it. */
  @Override
  public void onVanished(String key) {
    VmMeters m = vms.remove(key);
    if (m != null) {
      m.removeAll();
    }
  }
}
