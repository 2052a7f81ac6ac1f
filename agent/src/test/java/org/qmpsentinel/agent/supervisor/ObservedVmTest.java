package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.libvirt.DomainObserver;
import org.qmpsentinel.agent.discovery.libvirt.DomainSample;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.qmp.QmpClient;

/**
 * A libvirt domain's pipeline fed what the libvirt source would feed it — samples and lifecycle
 * events — with the clock under the test's control: the detector sees them as it sees QMP polls.
 */
class ObservedVmTest {
  private final ManualTicker ticker = new ManualTicker();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<HangEvent> hangs = new CopyOnWriteArrayList<>();
  private final List<BaselineQuality> baselines = new CopyOnWriteArrayList<>();
  private final QmpClient client = QmpClient.create(); // the runtime's; unused by libvirt VMs
  private ObservedVm vm;
  private long bspExits;

  @AfterEach
  void stop() {
    if (vm != null) {
      vm.close();
    }
    client.close();
    scheduler.shutdownNow();
  }

  private void watch() {
    DetectorSettings d = DetectorSettings.defaults();
    DetectorSettings detector = // suspect after 2 s, confirm 2 s later (by time: no registers)
        new DetectorSettings(
            d.startupSettle(),
            d.syncMinInterval(),
            d.kickMinInterval(),
            Duration.ofSeconds(2),
            Duration.ofSeconds(2),
            List.of(),
            d.monitorTimeoutsToSuspect(),
            d.baselineGrace(),
            d.firmwareStallAfter());
    vm =
        ObservedVm.start(
            new DomainObserver.Domain("uuid-1", "dom-1", 7, "7.2.22"),
            "libvirt:qemu:///system",
            SupervisorSettings.defaults().withDetector(detector),
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), ticker),
            new SupervisorListener() {
              @Override
              public void onHangEvent(VmSnapshot s, HangEvent event) {
                hangs.add(event);
              }

              @Override
              public void onBaseline(VmSnapshot s, BaselineQuality quality) {
                baselines.add(quality);
              }
            },
            null);
  }

  /** One second later, a stuck-signature sample: the BSP's exits climb, the AP's stay put. */
  private void stuckSecond(long apExits) {
    ticker.advance(Duration.ofSeconds(1));
    bspExits += 5_000;
    sample(Map.of(0, bspExits, 1, apExits));
  }

  private void sample(Map<Integer, Long> exits) {
    long at = ticker.nanos();
    List<VcpuSample> vcpus = new ArrayList<>();
    exits.forEach(
        (cpu, n) ->
            vcpus.add(
                new VcpuSample(
                    cpu,
                    7,
                    OptionalLong.of(cpu == 0 ? at : 0),
                    Optional.of(new KvmCounters(Map.of("exits", n, "halt_exits", 0L))))));
    vcpus.sort(java.util.Comparator.comparingInt(VcpuSample::cpuIndex));
    vm.sampled(new DomainSample(at - 5_000_000, at, true, "running", vcpus, true));
  }

  private List<HangState> apStates() {
    return hangs.stream()
        .filter(h -> h.kind() == HangKind.AP_STUCK_IN_RESET)
        .map(HangEvent::state)
        .toList();
  }

  @Test
  void stuckSamplesRaiseTheHangByTimeAndAResetStartsANewBaseline() {
    watch();
    for (int s = 0; s < 6; s++) {
      stuckSecond(0);
    }
    await().untilAsserted(() -> assertThat(apStates()).contains(HangState.CONFIRMED));
    assertThat(apStates()).startsWith(HangState.SUSPECTED, HangState.CONFIRMED);
    assertThat(vm.snapshot().source()).isEqualTo("libvirt");
    assertThat(vm.snapshot().qemuVersion()).isEqualTo("7.2.22");
    assertThat(vm.snapshot().kvmStats()).isTrue();
    assertThat(vm.snapshot().baseline()).isEqualTo(BaselineQuality.ABSOLUTE);
    assertThat(vm.cadence()).isEqualTo(DomainObserver.Cadence.FAST);

    // libvirt's reboot event, then the poll the watcher makes at once: a TIMELY baseline, and the
    // AP that still has not moved is judged — and raised — again.
    ticker.advance(Duration.ofMillis(10));
    vm.lifecycle(LifecycleEvent.RESET, ticker.nanos());
    ticker.advance(Duration.ofMillis(50));
    bspExits += 100;
    sample(Map.of(0, bspExits, 1, 0L));
    await().untilAsserted(() -> assertThat(baselines).contains(BaselineQuality.TIMELY));
    await().untilAsserted(() -> assertThat(apStates()).contains(HangState.RESOLVED));
    int before = apStates().size();
    for (int s = 0; s < 6; s++) {
      stuckSecond(0);
    }
    await()
        .untilAsserted(
            () ->
                assertThat(apStates().subList(before, apStates().size()))
                    .containsExactly(HangState.SUSPECTED, HangState.CONFIRMED));
    assertThat(vm.snapshot().baseline()).isEqualTo(BaselineQuality.TIMELY);
  }

  @Test
  void aSampleSentBeforeTheResetIsNotTheNewBootsBaseline() {
    watch();
    stuckSecond(0);
    long sentBeforeReset = ticker.nanos() + 1;
    ticker.advance(Duration.ofMillis(100));
    vm.lifecycle(LifecycleEvent.RESET, ticker.nanos());
    ticker.advance(Duration.ofMillis(100));
    // A reply to a read sent before the event: ignored, the baseline stays pending.
    List<VcpuSample> vcpus =
        List.of(
            new VcpuSample(
                0,
                7,
                OptionalLong.empty(),
                Optional.of(new KvmCounters(Map.of("exits", 9L, "halt_exits", 0L)))),
            new VcpuSample(
                1,
                7,
                OptionalLong.empty(),
                Optional.of(new KvmCounters(Map.of("exits", 0L, "halt_exits", 0L)))));
    vm.sampled(new DomainSample(sentBeforeReset, ticker.nanos(), true, "running", vcpus, true));
    await()
        .untilAsserted(
            () -> assertThat(vm.snapshot().baseline()).isEqualTo(BaselineQuality.PENDING));
    assertThat(vm.cadence()).isEqualTo(DomainObserver.Cadence.FAST);
  }

  @Test
  void aPausedRunStateIsReportedAndAnIoErrorPauseRaisesUnexpectedPause() {
    watch();
    stuckSecond(0);
    ticker.advance(Duration.ofSeconds(1));
    vm.sampled(
        new DomainSample(ticker.nanos() - 1, ticker.nanos(), false, "io-error", List.of(), false));
    await()
        .untilAsserted(
            () ->
                assertThat(hangs)
                    .anySatisfy(
                        h -> {
                          assertThat(h.kind()).isEqualTo(HangKind.UNEXPECTED_PAUSE);
                          assertThat(h.state()).isEqualTo(HangState.CONFIRMED);
                        }));
    assertThat(vm.snapshot().running()).isFalse();
    assertThat(vm.snapshot().runState()).isEqualTo("io-error");
  }

  @Test
  void operatorHmpIsRefusedWithAReason() throws Exception {
    watch();
    WatchedVm.HmpResult r = vm.runHmp("info registers", java.util.OptionalInt.of(0)).get();
    assertThat(r.allowed()).isFalse();
    assertThat(r.reason()).startsWith("not_available");
  }
}
