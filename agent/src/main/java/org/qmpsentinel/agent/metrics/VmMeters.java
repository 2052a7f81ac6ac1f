package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;

/**
 * The meters of one VM. Gauges read the latest snapshot, so they never drift from what the API
 * shows; everything registered here is removed together when the VM goes away.
 */
final class VmMeters {
  private final MeterRegistry registry;
  private final AtomicReference<VmSnapshot> snapshot;
  private final List<Meter> meters = new ArrayList<>();
  private final Set<String> runStates = new HashSet<>();
  private final Set<Integer> vcpus = new HashSet<>();
  private Tags tags;

  VmMeters(MeterRegistry registry, VmSnapshot initial) {
    this.registry = registry;
    this.snapshot = new AtomicReference<>(initial);
    this.tags = tagsOf(initial);
    registerVmMeters();
  }

  private static Tags tagsOf(VmSnapshot s) {
    return Tags.of("vm", s.name(), "uuid", s.uuid());
  }

  /** Records a new snapshot; re-registers everything if the VM's labels changed (name/uuid). */
  synchronized void update(VmSnapshot s) {
    snapshot.set(s);
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
          x -> x.runState().equals(state) ? 1 : 0,
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
    gauge(
        "qmp.sentinel.vm.up",
        Tags.empty(),
        x -> x.connected() ? 1 : 0,
        "1 while the QMP connection is up");
    gauge(
        "qmp.sentinel.vm.running",
        Tags.empty(),
        x -> x.running() ? 1 : 0,
        "1 while the guest runs");
    gauge("qmp.sentinel.vm.vcpus", Tags.empty(), x -> x.vcpus().size(), "number of vCPUs");
    for (Phase p : Phase.values()) {
      gauge(
          "qmp.sentinel.vm.phase",
          Tags.of("phase", p.name()),
          x -> x.phase() == p ? 1 : 0,
          "1 for the VM's current boot phase");
    }
    for (HangKind k : HangKind.values()) {
      gauge(
          "qmp.sentinel.hang.suspected",
          Tags.of("kind", k.name()),
          x -> hang(x, k, HangState.SUSPECTED),
          "1 while a hang of this kind is suspected");
      gauge(
          "qmp.sentinel.hang.confirmed",
          Tags.of("kind", k.name()),
          x -> hang(x, k, HangState.CONFIRMED),
          "1 while a hang of this kind is confirmed");
    }
  }

  private static double hang(VmSnapshot s, HangKind kind, HangState state) {
    return s.activeHangs().stream().anyMatch(h -> h.kind() == kind && h.state() == state) ? 1 : 0;
  }

  private void registerVcpu(int index) {
    Tags vcpuTags = tags.and("vcpu", Integer.toString(index));
    meters.add(
        FunctionCounter.builder(
                "qmp.sentinel.vcpu.cpu", snapshot, r -> vcpu(r.get(), index).cpuSeconds())
            .baseUnit("seconds")
            .description("host CPU time used by the vCPU thread")
            .tags(vcpuTags)
            .register(registry));
    meters.add(
        FunctionCounter.builder(
                "qmp.sentinel.vcpu.kvm.exits",
                snapshot,
                r -> Math.max(0, vcpu(r.get(), index).exits()))
            .description("KVM exits of the vCPU since its creation (query-stats)")
            .tags(vcpuTags)
            .register(registry));
  }

  private static VmSnapshot.Vcpu vcpu(VmSnapshot s, int index) {
    for (VmSnapshot.Vcpu v : s.vcpus()) {
      if (v.index() == index) {
        return v;
      }
    }
    return new VmSnapshot.Vcpu(index, -1, "", 0, -1, -1);
  }

  private void gauge(
      String name, Tags extra, java.util.function.ToDoubleFunction<VmSnapshot> value, String help) {
    meters.add(
        Gauge.builder(name, snapshot, r -> value.applyAsDouble(r.get()))
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
