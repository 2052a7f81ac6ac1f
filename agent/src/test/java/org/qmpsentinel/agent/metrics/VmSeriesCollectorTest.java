package org.qmpsentinel.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.VmId;

/** The per-VM series come from the latest snapshots, counters from 0, and leave with the VM. */
class VmSeriesCollectorTest {
  private final VmSeriesCollector collector = new VmSeriesCollector();

  @Test
  void seriesFollowTheLatestSnapshotAndLeaveWithTheVm() {
    collector.update(snapshot("a", true, Phase.STARTUP, List.of()));
    collector.update(snapshot("b", true, Phase.STEADY, List.of()));
    collector.update(snapshot("a", false, Phase.STARTUP, List.of(hang("a"))));
    collector.failed("key-a", true);

    MetricSnapshots all = collector.collect();
    assertThat(values(all, "qmp_sentinel_vm"))
        .containsOnly(
            entry("qemu_version=7.2.0,source=test,uuid=uuid-a,vm=a", 1.0),
            entry("qemu_version=7.2.0,source=test,uuid=uuid-b,vm=b", 1.0));
    assertThat(values(all, "qmp_sentinel_vm_up"))
        .containsEntry("vm=a", 0.0)
        .containsEntry("vm=b", 1.0);
    assertThat(values(all, "qmp_sentinel_hang_suspected"))
        .containsOnly(entry("kind=ap_stuck_in_reset,vm=a", 1.0));
    assertThat(values(all, "qmp_sentinel_hang_confirmed")).isEmpty();
    assertThat(values(all, "qmp_sentinel_vm_phase"))
        .containsOnlyKeys("phase=startup,vm=a", "phase=steady,vm=b");
    assertThat(values(all, "qmp_sentinel_vm_run_state"))
        .containsOnlyKeys("state=guest_panicked,vm=a", "state=running,vm=b");
    assertThat(values(all, "qmp_sentinel_qmp_errors"))
        .containsEntry("kind=timeout,vm=a", 1.0)
        .containsEntry("kind=error,vm=a", 0.0)
        .containsEntry("kind=timeout,vm=b", 0.0);
    assertThat(values(all, "qmp_sentinel_qmp_reconnects")).containsEntry("vm=b", 0.0);
    assertThat(values(all, "qmp_sentinel_vcpu_cpu_seconds"))
        .containsEntry("vcpu=0,vm=a", 1.5)
        .containsEntry("vcpu=1,vm=a", 0.25);

    collector.remove("key-a");
    assertThat(values(collector.collect(), "qmp_sentinel_vm_up")).containsOnlyKeys("vm=b");
  }

  /** Two VMs of one name would be one series twice (a failed scrape): the endpoint tells apart. */
  @Test
  void vmsOfTheSameNameAreToldApartByTheirEndpoint() {
    collector.update(snapshot("a", true, Phase.STEADY, List.of()));
    VmSnapshot other = snapshot("a", true, Phase.STEADY, List.of());
    collector.update(
        new VmSnapshot(
            "key-a2",
            "a",
            "uuid-a2",
            "unix:/run/a2.qmp",
            other.source(),
            other.pid(),
            true,
            true,
            "running",
            Phase.STEADY,
            "7.2.0",
            true,
            true,
            other.vcpus(),
            List.of(),
            other.baseline(),
            0,
            other.lastPoll(),
            List.of()));
    collector.update(snapshot("b", true, Phase.STEADY, List.of()));

    assertThat(values(collector.collect(), "qmp_sentinel_vm_up"))
        .containsOnlyKeys("vm=a@unix:/run/a.qmp", "vm=a@unix:/run/a2.qmp", "vm=b");
  }

  private static Map<String, Double> values(MetricSnapshots all, String name) {
    MetricSnapshot family =
        all.stream().filter(m -> m.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    return family.getDataPoints().stream()
        .collect(
            Collectors.toMap(
                VmSeriesCollectorTest::labels, VmSeriesCollectorTest::value, (x, y) -> x));
  }

  private static String labels(DataPointSnapshot p) {
    return p.getLabels().stream()
        .map(l -> l.getName() + "=" + l.getValue())
        .collect(Collectors.joining(","));
  }

  private static double value(DataPointSnapshot p) {
    if (p instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot g) {
      return g.getValue();
    }
    if (p instanceof io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot) {
      return 1.0;
    }
    return ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p)
        .getValue();
  }

  private static HangEvent hang(String vm) {
    return new HangEvent(
        new VmId(vm, vm, ""),
        HangKind.AP_STUCK_IN_RESET,
        HangState.SUSPECTED,
        new Evidence(Evidence.Confidence.HIGH, "test", Map.of()),
        Instant.EPOCH,
        Instant.EPOCH);
  }

  private static VmSnapshot snapshot(String vm, boolean up, Phase phase, List<HangEvent> hangs) {
    return new VmSnapshot(
        "key-" + vm,
        vm,
        "uuid-" + vm,
        "unix:/run/" + vm + ".qmp",
        "test",
        42,
        up,
        up,
        up ? "running" : "guest-panicked",
        phase,
        "7.2.0",
        true,
        true,
        List.of(
            new VmSnapshot.Vcpu(0, 100, "/machine/unattached/device[0]", 1.5, 0.5, 10),
            new VmSnapshot.Vcpu(1, 101, "/machine/unattached/device[1]", 0.25, 0.0, 0)),
        hangs,
        BaselineQuality.ABSOLUTE,
        0,
        Instant.EPOCH,
        List.of());
  }
}
