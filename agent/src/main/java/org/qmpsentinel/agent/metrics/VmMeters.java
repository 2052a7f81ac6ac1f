package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;

/**
 * The meters of one VM. Every value is computed once per published snapshot ({@link Figures}) and
 * the gauges only read it, so a scrape costs a field read per series however many VMs there are;
 * everything registered here is removed together when the VM goes away.
 *
 * <p>Per-vCPU KVM exits are not exported: the agent reads them only while a VM starts (they kick
 * vCPUs), so a counter of them would stand still in STEADY and mislead {@code rate()}.
 */
final class VmMeters {
  /** What the gauges show, derived once from a snapshot. */
  private record Figures(
      boolean up,
      boolean running,
      int vcpuCount,
      Phase phase,
      String runState,
      Map<HangKind, HangState> hangs,
      Map<Integer, Double> cpuSeconds,
      long eventsDropped) {

    static Figures of(VmSnapshot s) {
      Map<HangKind, HangState> hangs = new EnumMap<>(HangKind.class);
      for (HangEvent h : s.activeHangs()) {
        hangs.put(h.kind(), h.state());
      }
      Map<Integer, Double> cpu = new HashMap<>();
      s.vcpus().forEach(v -> cpu.put(v.index(), v.cpuSeconds()));
      return new Figures(
          s.connected(),
          s.running(),
          s.vcpus().size(),
          s.phase(),
          s.runState(),
          hangs,
          cpu,
          s.eventsDropped());
    }
  }

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Set<String> runStates = new HashSet<>();
  private final Set<Integer> vcpus = new HashSet<>();
  private volatile Figures figures;
  private Tags tags;

  VmMeters(MeterRegistry registry, VmSnapshot initial) {
    this.registry = registry;
    this.figures = Figures.of(initial);
    this.tags = tagsOf(initial);
    registerVmMeters();
  }

  private static Tags tagsOf(VmSnapshot s) {
    return Tags.of("vm", s.name(), "uuid", s.uuid());
  }

  /** Records a new snapshot; re-registers everything if the VM's labels changed (name/uuid). */
  synchronized void update(VmSnapshot s) {
    figures = Figures.of(s);
    if (!tagsOf(s).equals(tags)) {
      removeAll();
      tags = tagsOf(s);
      registerVmMeters();
    }
    if (runStates.add(s.runState())) {
      String state = s.runState();
      gauge(
          "qmp.sentinel.vm.run.state",
          Tags.of("state", state),
          f -> f.runState().equals(state) ? 1 : 0,
          "1 for the VM's current QEMU run state");
    }
    for (VmSnapshot.Vcpu v : s.vcpus()) {
      if (vcpus.add(v.index())) {
        registerVcpu(v.index());
      }
    }
  }

  private void registerVmMeters() {
    runStates.clear();
    vcpus.clear();
    gauge("qmp.sentinel.vm.up", Tags.empty(), f -> f.up() ? 1 : 0, "1 while QMP is connected");
    gauge("qmp.sentinel.vm.running", Tags.empty(), f -> f.running() ? 1 : 0, "1 while it runs");
    gauge("qmp.sentinel.vm.vcpus", Tags.empty(), Figures::vcpuCount, "number of vCPUs");
    meters.add(
        FunctionCounter.builder(
                "qmp.sentinel.qmp.events.dropped", this, m -> m.figures.eventsDropped())
            .description("lifecycle events dropped because the monitor flooded them")
            .tags(tags)
            .register(registry));
    for (Phase p : Phase.values()) {
      gauge(
          "qmp.sentinel.vm.phase",
          Tags.of("phase", p.name()),
          f -> f.phase() == p ? 1 : 0,
          "1 for the VM's current boot phase");
    }
    for (HangKind k : HangKind.values()) {
      gauge(
          "qmp.sentinel.hang.suspected",
          Tags.of("kind", k.name()),
          f -> f.hangs().get(k) == HangState.SUSPECTED ? 1 : 0,
          "1 while a hang of this kind is suspected");
      gauge(
          "qmp.sentinel.hang.confirmed",
          Tags.of("kind", k.name()),
          f -> f.hangs().get(k) == HangState.CONFIRMED ? 1 : 0,
          "1 while a hang of this kind is confirmed");
    }
  }

  private void registerVcpu(int index) {
    meters.add(
        FunctionCounter.builder(
                "qmp.sentinel.vcpu.cpu", this, m -> m.figures.cpuSeconds().getOrDefault(index, 0.0))
            .baseUnit("seconds")
            .description("host CPU time used by the vCPU thread")
            .tags(tags.and("vcpu", Integer.toString(index)))
            .register(registry));
  }

  private void gauge(String name, Tags extra, ToDoubleFunction<Figures> value, String help) {
    meters.add(
        Gauge.builder(name, this, m -> value.applyAsDouble(m.figures))
            .description(help)
            .tags(tags.and(extra))
            .register(registry));
  }

  Counter reconnects() {
    return counter("qmp.sentinel.qmp.reconnects", Tags.empty(), "QMP reconnect attempts");
  }

  Counter errors(String command, String kind) {
    return counter(
        "qmp.sentinel.qmp.errors",
        Tags.of("command", command, "kind", kind),
        "QMP commands that failed (error reply) or timed out");
  }

  private synchronized Counter counter(String name, Tags extra, String help) {
    Counter c = Counter.builder(name).description(help).tags(tags.and(extra)).register(registry);
    if (!meters.contains(c)) {
      meters.add(c);
    }
    return c;
  }

  synchronized void removeAll() {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
