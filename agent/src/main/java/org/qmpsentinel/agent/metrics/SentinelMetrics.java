package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/**
 * Turns supervisor reports into metrics: per VM through {@link VmSeriesCollector} (registered with
 * the Prometheus registry: one pass over the VMs per scrape), agent-wide through Micrometer timers
 * and counters.
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
  private final VmSeriesCollector vms = new VmSeriesCollector();
  private final Timer polls;

  /**
   * @param prometheus where the per-VM series are collected; without one (no Prometheus export)
   *     only the agent-wide meters exist
   */
  public SentinelMetrics(MeterRegistry registry, @Nullable PrometheusRegistry prometheus) {
    this.registry = registry;
    if (prometheus != null) {
      prometheus.register(vms);
    }
    this.polls =
        Timer.builder("qmp.sentinel.poll")
            .description("time from sending a VM's poll to its last reply")
            .serviceLevelObjectives(LATENCY_SLOS)
            .register(registry);
  }

  @Override
  public void onSnapshot(VmSnapshot snapshot) {
    vms.update(snapshot);
  }

  @Override
  public void onReconnect(VmSnapshot vm) {
    vms.reconnected(vm.key());
  }

  @Override
  public void onPoll(VmSnapshot vm, Duration took) {
    polls.record(took);
  }

  @Override
  public void onCommand(VmSnapshot vm, String command, Duration latency, String outcome) {
    Timer.builder("qmp.sentinel.qmp.command")
        .description("QMP command latency")
        .tag("command", LabelValues.snake(command))
        .serviceLevelObjectives(LATENCY_SLOS)
        .register(registry)
        .record(latency);
    if (!"ok".equals(outcome)) {
      vms.failed(vm.key(), "timeout".equals(outcome));
    }
  }

  @Override
  public void onHangEvent(VmSnapshot vm, HangEvent event) {
    Counter.builder("qmp.sentinel.hang.events")
        .description("hang state changes")
        .tags("kind", LabelValues.of(event.kind()), "state", LabelValues.of(event.state()))
        .register(registry)
        .increment();
  }

  @Override
  public void onBaseline(VmSnapshot vm, BaselineQuality quality) {
    Counter.builder("qmp.sentinel.boot.baselines")
        .description(
            "boots whose KVM counter baseline was read, by quality (late: judged per AP, with a"
                + " register read where counters cannot tell)")
        .tag("quality", LabelValues.of(quality))
        .register(registry)
        .increment();
  }

  @Override
  public void onIntrusionDecision(VmSnapshot vm, String command, IntrusionDecision decision) {
    Counter.builder("qmp.sentinel.intrusive.commands")
        .description("synchronizing/kicking commands admitted or refused by the intrusion policy")
        .tags(
            "decision",
            decision.allowed() ? "allowed" : "denied",
            "reason",
            LabelValues.snake(decision.code()))
        .register(registry)
        .increment();
  }

  /** The VM vanished: its meters go with it. */
  @Override
  public void onVanished(String key) {
    vms.remove(key);
  }
}
