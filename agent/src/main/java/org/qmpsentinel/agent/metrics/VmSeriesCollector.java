package org.qmpsentinel.agent.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DuplicateLabelsException;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.X86Registers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watched VM's series, produced in one pass over the latest snapshots at scrape time — no
 * meter objects per VM, so the scrape of a thousand VMs costs a loop, not a thousand meter
 * look-ups, and a vanished VM's series disappear with its entry. Counters are present at 0 from the
 * VM's first appearance. State sets (phase, run state, hangs) are sparse: only the current value
 * has a series, with value 1. Per-VM series carry only {@code vm} (and what they are about); the
 * UUID, QEMU version and discovery source are on {@code qmp_sentinel_vm_info}, one series per VM.
 * Enumerated label values are lower_snake ({@link LabelValues}).
 *
 * <p>Per-vCPU KVM exits are not exported: the agent reads them only while a VM starts (they kick
 * vCPUs), so a counter of them would stand still in STEADY and mislead {@code rate()}.
 */
final class VmSeriesCollector implements MultiCollector {

  /** One VM: its latest snapshot and its event counters. */
  private static final class Vm {
    volatile VmSnapshot snapshot;
    final LongAdder reconnects = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();

    Vm(VmSnapshot snapshot) {
      this.snapshot = snapshot;
    }
  }

  private static final Logger log = LoggerFactory.getLogger(VmSeriesCollector.class);
  private static final String[] PHASES = labelValues(Phase.values());
  private static final String[] KINDS = labelValues(HangKind.values());
  private static final String[] MODES = labelValues(X86Registers.CpuMode.values());

  private final Map<String, Vm> vms = new ConcurrentHashMap<>();
  private final Set<String> warnedDuplicates = ConcurrentHashMap.newKeySet();

  private static String[] labelValues(Enum<?>[] constants) {
    String[] values = new String[constants.length];
    for (Enum<?> c : constants) {
      values[c.ordinal()] = LabelValues.of(c);
    }
    return values;
  }

  void update(VmSnapshot s) {
    vms.computeIfAbsent(s.key(), k -> new Vm(s)).snapshot = s;
  }

  void remove(String key) {
    vms.remove(key);
  }

  void reconnected(String key) {
    Vm vm = vms.get(key);
    if (vm != null) {
      vm.reconnects.increment();
    }
  }

  void failed(String key, boolean timeout) {
    Vm vm = vms.get(key);
    if (vm != null) {
      (timeout ? vm.timeouts : vm.errors).increment();
    }
  }

  /**
   * One pass over the VMs. Two VMs with the same name (plain QEMU allows it; libvirt does not)
   * would give two series with the same labels, which the exposition refuses: only then is the pass
   * repeated with those VMs told apart by their endpoint ({@code NAME@ENDPOINT}).
   */
  @Override
  public MetricSnapshots collect() {
    try {
      return collect(Set.of());
    } catch (DuplicateLabelsException e) {
      Set<String> seen = new HashSet<>();
      Set<String> twice = new HashSet<>();
      for (Vm vm : vms.values()) {
        if (!seen.add(vm.snapshot.name())) {
          twice.add(vm.snapshot.name());
        }
      }
      if (warnedDuplicates.addAll(twice)) {
        log.warn("several VMs are named {}: their series are labelled vm=\"NAME@ENDPOINT\"", twice);
      }
      return collect(twice);
    }
  }

  private MetricSnapshots collect(Set<String> ambiguous) {
    // An info family: exposed as qmp_sentinel_vm_info, value 1.
    InfoSnapshot.Builder info =
        InfoSnapshot.builder()
            .name("qmp_sentinel_vm")
            .help(
                "the VM's identity: UUID, QEMU version and the discovery source that found it"
                    + " (join on vm)");
    Series up = new Series("qmp_sentinel_vm_up", "1 while the VM's QMP connection is up");
    Series running = new Series("qmp_sentinel_vm_running", "1 while the guest runs");
    Series vcpus = new Series("qmp_sentinel_vm_vcpus", "number of vCPUs");
    Series phase = new Series("qmp_sentinel_vm_phase", "1 for the VM's current boot phase");
    Series runState = new Series("qmp_sentinel_vm_run_state", "1 for QEMU's current run state");
    Series suspected = new Series("qmp_sentinel_hang_suspected", "1 while a hang is suspected");
    Series confirmed = new Series("qmp_sentinel_hang_confirmed", "1 while a hang is confirmed");
    Counters cpu = new Counters("qmp_sentinel_vcpu_cpu_seconds", "host CPU time of the vCPU");
    Counters reconnects = new Counters("qmp_sentinel_qmp_reconnects", "QMP reconnect attempts");
    Counters errors =
        new Counters("qmp_sentinel_qmp_errors", "QMP commands that failed or timed out, by kind");
    Counters dropped =
        new Counters(
            "qmp_sentinel_qmp_events_dropped",
            "lifecycle events dropped because a monitor flooded them (per VM: the API)");
    Series modes =
        new Series(
            "qmp_sentinel_vcpu_mode",
            "vCPUs whose latest register sample is in this mode (real, protected, long, unknown)");
    Series sampleAge =
        new Series(
            "qmp_sentinel_register_sample_age_seconds",
            "age of the VM's stalest latest-per-vCPU register sample");
    Instant now = Instant.now();
    long droppedAll = 0;
    for (Vm vm : vms.values()) {
      VmSnapshot s = vm.snapshot;
      String name = ambiguous.contains(s.name()) ? s.name() + "@" + s.endpoint() : s.name();
      Labels labels = Labels.of("vm", name);
      info.dataPoint(
          InfoDataPointSnapshot.builder()
              .labels(
                  Labels.of(
                      "vm",
                      name,
                      "uuid",
                      s.uuid(),
                      "qemu_version",
                      s.qemuVersion(),
                      "source",
                      s.source()))
              .build());
      up.add(labels, s.connected());
      running.add(labels, s.running());
      vcpus.add(labels, s.vcpus().size());
      // State sets are sparse: one series for the current value, none for the others. At a
      // thousand VMs the zeros were two thirds of every scrape.
      phase.add(labels.add("phase", PHASES[s.phase().ordinal()]), true);
      runState.add(labels.add("state", LabelValues.snake(s.runState())), true);
      for (HangEvent h : s.activeHangs()) {
        (h.state() == HangState.CONFIRMED ? confirmed : suspected)
            .add(labels.add("kind", KINDS[h.kind().ordinal()]), true);
      }
      for (VmSnapshot.Vcpu v : s.vcpus()) {
        cpu.add(labels.add("vcpu", Integer.toString(v.index())), v.cpuSeconds());
      }
      addRegisterSeries(s, labels, now, modes, sampleAge);
      reconnects.add(labels, vm.reconnects.sum());
      errors.add(labels.add("kind", "error"), vm.errors.sum());
      errors.add(labels.add("kind", "timeout"), vm.timeouts.sum());
      droppedAll += s.eventsDropped();
    }
    dropped.add(Labels.EMPTY, droppedAll);
    return MetricSnapshots.of(
        info.build(),
        up.build(),
        running.build(),
        vcpus.build(),
        phase.build(),
        runState.build(),
        suspected.build(),
        confirmed.build(),
        cpu.build(),
        reconnects.build(),
        errors.build(),
        dropped.build(),
        modes.build(),
        sampleAge.build());
  }

  /**
   * Per VM: one series per mode present (a count of vCPUs, sparse like the state sets) and the age
   * of the stalest sample — at most five series per VM, not one per vCPU.
   */
  private static void addRegisterSeries(
      VmSnapshot s, Labels labels, Instant now, Series modes, Series sampleAge) {
    if (s.registers().isEmpty()) {
      return;
    }
    Map<X86Registers.CpuMode, Integer> counts = new EnumMap<>(X86Registers.CpuMode.class);
    Instant oldest = Instant.MAX;
    for (VmSnapshot.RegisterSample r : s.registers()) {
      counts.merge(r.registers().mode(), 1, Integer::sum);
      oldest = r.at().isBefore(oldest) ? r.at() : oldest;
    }
    counts.forEach((mode, n) -> modes.add(labels.add("mode", MODES[mode.ordinal()]), n));
    sampleAge.add(labels, Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0));
  }

  /** One gauge family being built. */
  private static final class Series {
    private final GaugeSnapshot.Builder builder;

    Series(String name, String help) {
      builder = GaugeSnapshot.builder().name(name).help(help);
    }

    void add(Labels labels, boolean value) {
      add(labels, value ? 1 : 0);
    }

    void add(Labels labels, double value) {
      builder.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    GaugeSnapshot build() {
      return builder.build();
    }
  }

  /** One counter family being built (exposed with {@code _total}). */
  private static final class Counters {
    private final CounterSnapshot.Builder builder;

    Counters(String name, String help) {
      builder = CounterSnapshot.builder().name(name).help(help);
    }

    void add(Labels labels, double value) {
      builder.dataPoint(CounterDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    CounterSnapshot build() {
      return builder.build();
    }
  }
}
