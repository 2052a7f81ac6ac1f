package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.hang.HangKind.AP_STUCK_IN_RESET;
import static org.qmpsentinel.hang.HangKind.MONITOR_UNRESPONSIVE;
import static org.qmpsentinel.hang.HangKind.UNEXPECTED_PAUSE;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.Observation.CommandOutcome;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.X86Registers.CpuMode;

/** Synthetic, deterministic sample streams through the whole VmWatch. One poll per second. */
class VmWatchTest {
  private static final Duration S = Duration.ofSeconds(1);
  private final IntrusionPolicy policy = IntrusionPolicy.qemu72();

  private static X86Registers atVector(int cpu) {
    return new X86Registers(
        cpu, 0xfff0, 0xf000, 0xffff0000L, 2, false, false, CpuMode.REAL, 0x10, 0, 0);
  }

  @Test
  void stuckSignatureIsSuspectedAfter5sAndConfirmedAfter15s() {
    Streams s = new Streams(4);
    long suspectedAt = -1;
    long confirmedAt = -1;
    for (int i = 0; i < 20; i++) {
      s.bspSpins(S);
      s.poll(S);
      for (HangEvent e : s.of(AP_STUCK_IN_RESET)) {
        if (e.state() == HangState.SUSPECTED && suspectedAt < 0) {
          suspectedAt = s.ticker.nanos();
          assertThat(s.watch.confirmationTarget()).hasValue(1);
        }
        if (e.state() == HangState.CONFIRMED && confirmedAt < 0) {
          confirmedAt = s.ticker.nanos();
        }
      }
    }
    assertThat(Duration.ofNanos(suspectedAt)).isEqualTo(Duration.ofSeconds(6)); // 5 s of evidence
    assertThat(Duration.ofNanos(confirmedAt)).isEqualTo(Duration.ofSeconds(16));
    HangEvent confirmed = s.of(AP_STUCK_IN_RESET).get(1);
    assertThat(confirmed.evidence().confidence()).isEqualTo(Evidence.Confidence.HIGH);
    assertThat(confirmed.evidence().figures()).containsEntry("stuck_aps", List.of(1, 2, 3));
    assertThat(confirmed.evidence().figures()).containsEntry("bsp_halt_exits_delta", 0L);
    assertThat(confirmed.since()).isEqualTo(s.of(AP_STUCK_IN_RESET).get(0).since());
  }

  @Test
  void registersAtTheResetVectorConfirmAtOnce() {
    Streams s = new Streams(2);
    for (int i = 0; i < 6; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.watch.confirmationTarget()).hasValue(1);
    // The policy lets the agent read that AP even in STARTUP: its INIT is already lost.
    IntrusionDecision read =
        s.watch.requestIntrusion(policy.classifyHmp("info registers", OptionalInt.of(1)));
    assertThat(read.allowed()).isTrue();
    assertThat(read.code()).isEqualTo("confirmation_read");
    read.close();
    List<HangEvent> events =
        s.watch.observe(new Observation.Registers(s.ticker.nanos(), 1, atVector(1)));
    assertThat(events).singleElement().extracting(HangEvent::state).isEqualTo(HangState.CONFIRMED);
    assertThat(s.watch.confirmationTarget()).isEmpty();
  }

  @Test
  void registersAwayFromTheVectorClearTheSuspicion() {
    Streams s = new Streams(2);
    for (int i = 0; i < 6; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    X86Registers parked =
        new X86Registers(1, 0xd09a, 0xf000, 0xf0000, 2, true, false, CpuMode.REAL, 0x10, 0, 0);
    assertThat(s.watch.observe(new Observation.Registers(s.ticker.nanos(), 1, parked)))
        .singleElement()
        .extracting(HangEvent::state)
        .isEqualTo(HangState.RESOLVED);
    for (int i = 0; i < 20; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.watch.activeHangs()).isEmpty();
  }

  @Test
  void healthySmpBootNeverFires() {
    Streams s = new Streams(4);
    for (int i = 0; i < 60; i++) {
      s.bspSpins(S);
      if (i == 1) { // SeaBIOS wakes every AP: ~25 exits and one halt each, then they stay parked
        for (int ap = 1; ap < 4; ap++) {
          s.exits[ap] += 25;
          s.halts[ap] += 1;
        }
      }
      s.poll(S);
    }
    assertThat(s.events).isEmpty();
  }

  @Test
  void maxcpus1GuestWithParkedApsAndSpinningBspNeverFires() {
    Streams s = new Streams(4);
    for (int ap = 1; ap < 4; ap++) {
      s.exits[ap] = 1; // parked by SeaBIOS before our first poll, never onlined by the OS
      s.halts[ap] = 1;
    }
    for (int i = 0; i < 60; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.events).isEmpty();
  }

  @Test
  void busyBspAndBusyApsNeverFire() {
    Streams s = new Streams(4);
    for (int i = 0; i < 30; i++) {
      for (int c = 0; c < 4; c++) {
        s.exits[c] += 300;
        s.cpuNs[c] += S.toNanos();
      }
      s.poll(S);
    }
    assertThat(s.events).isEmpty();
  }

  @Test
  void resetResolvesAndTheNextHealthyBootStaysClean() {
    Streams s = new Streams(4);
    for (int i = 0; i < 8; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.of(AP_STUCK_IN_RESET))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED);
    s.lifecycle(LifecycleEvent.RESET);
    assertThat(s.of(AP_STUCK_IN_RESET))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED, HangState.RESOLVED);
    s.poll(Duration.ofMillis(5)); // the agent polls right after RESET: the new baseline
    for (int i = 0; i < 30; i++) {
      s.bspSpins(S);
      if (i == 0) {
        for (int ap = 1; ap < 4; ap++) {
          s.exits[ap] += 25;
        }
      }
      s.poll(S);
    }
    assertThat(s.of(AP_STUCK_IN_RESET)).hasSize(2);
  }

  @Test
  void pausedTimeDoesNotCount() {
    Streams s = new Streams(2);
    for (int i = 0; i < 4; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    s.lifecycle(LifecycleEvent.STOP);
    for (int i = 0; i < 100; i++) {
      s.poll(S); // paused: nothing moves, nothing accumulates
    }
    assertThat(s.events).isEmpty();
    s.lifecycle(LifecycleEvent.RESUME);
    for (int i = 0; i < 3; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.of(AP_STUCK_IN_RESET))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED);
  }

  @Test
  void hotPluggedVcpuThatWasNeverOnlinedIsIgnored() {
    // The boot's vCPUs are those of its first poll; vCPU 2 is hot-plugged afterwards and the
    // guest never onlines it (exits stay 0) while the BSP is busy: not a boot hang.
    // A brand-new vCPU appears (not part of the boot) and the guest never onlines it.
    Streams plugged = new Streams(2);
    plugged.exits[1] = 40;
    plugged.poll(S);
    plugged.watch.observe(
        new Observation.VcpuPoll(
            plugged.ticker.nanos() + 1,
            plugged.ticker.nanos() + 1,
            List.of(
                new Observation.VcpuSample(
                    0,
                    1000,
                    java.util.OptionalLong.of(0),
                    Optional.of(
                        new Observation.KvmCounters(
                            java.util.Map.of("exits", 10L, "halt_exits", 0L)))),
                new Observation.VcpuSample(
                    1,
                    1001,
                    java.util.OptionalLong.of(0),
                    Optional.of(
                        new Observation.KvmCounters(
                            java.util.Map.of("exits", 40L, "halt_exits", 0L)))),
                new Observation.VcpuSample(
                    2,
                    1002,
                    java.util.OptionalLong.of(0),
                    Optional.of(
                        new Observation.KvmCounters(
                            java.util.Map.of("exits", 0L, "halt_exits", 0L)))))));
    for (int i = 0; i < 30; i++) {
      plugged.bspSpins(S);
      plugged.exits[1] += 10;
      plugged.poll(S);
    }
    assertThat(plugged.events).isEmpty();
  }

  @Test
  void withoutKvmStatsCpuTimeIsTheLowConfidenceFallback() {
    Streams s = new Streams(4);
    s.kvm = false;
    for (int i = 0; i < 8; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    HangEvent suspected = s.of(AP_STUCK_IN_RESET).get(0);
    assertThat(suspected.evidence().confidence()).isEqualTo(Evidence.Confidence.LOW);
    assertThat(suspected.evidence().summary()).contains("low confidence");
    assertThat(suspected.evidence().figures()).containsEntry("source", "schedstat");
  }

  @Test
  void startupDeniesApSyncsAndAllowsTheBspThenSteadyRateLimits() {
    Streams s = new Streams(2, DetectorSettings.defaults());
    IntrusionDecision all =
        s.watch.requestIntrusion(policy.classifyHmp("info registers -a", OptionalInt.empty()));
    assertThat(all.allowed()).isFalse();
    assertThat(all.code()).isEqualTo("startup_ap_sync");
    assertThat(all.reason()).contains("every vCPU").contains("STARTUP");
    assertThat(
            s.watch
                .requestIntrusion(policy.classifyHmp("info registers", OptionalInt.of(1)))
                .allowed())
        .isFalse();
    IntrusionDecision bsp =
        s.watch.requestIntrusion(policy.classifyHmp("info registers", OptionalInt.empty()));
    assertThat(bsp.code()).isEqualTo("bsp_only");
    bsp.close();
    assertThat(
            s.watch
                .requestIntrusion(policy.classifyHmp("info cpus", OptionalInt.empty()))
                .allowed())
        .isTrue();

    s.exits[0] = 500; // every vCPU ran ...
    s.exits[1] = 30;
    s.poll(S);
    assertThat(s.watch.phase()).isEqualTo(Phase.STARTUP);
    s.ticker.advance(Duration.ofSeconds(60)); // ... and the settle period passed
    assertThat(s.watch.phase()).isEqualTo(Phase.STEADY);

    IntrusionDecision first =
        s.watch.requestIntrusion(policy.classifyHmp("info registers -a", OptionalInt.empty()));
    assertThat(first.code()).isEqualTo("steady");
    IntrusionDecision concurrent =
        s.watch.requestIntrusion(policy.classifyHmp("info lapic", OptionalInt.empty()));
    assertThat(concurrent.code()).isEqualTo("busy");
    first.close();
    assertThat(s.watch.requestIntrusion(policy.classifyHmp("info tlb", OptionalInt.empty())).code())
        .isEqualTo("rate_limited");
    s.ticker.advance(Duration.ofSeconds(10));
    assertThat(
            s.watch.requestIntrusion(policy.classifyHmp("info tlb", OptionalInt.empty())).allowed())
        .isTrue();
  }

  @Test
  void kicksAreAllowedInStartupButRateLimited() {
    Streams s = new Streams(2);
    s.poll(S); // the boot's baseline is in: no exemption from here on
    Intrusion stats = policy.classifyQmp("query-stats", java.util.Map.of("target", "vcpu"));
    assertThat(s.watch.requestIntrusion(stats).code()).isEqualTo("kick");
    assertThat(s.watch.requestIntrusion(stats).code()).isEqualTo("rate_limited");
    s.ticker.advance(Duration.ofMillis(500));
    assertThat(s.watch.requestIntrusion(stats).allowed()).isTrue();
  }

  @Test
  void aQemuKnownToCarryTheFixGetsSteadyRulesInStartup() {
    DetectorSettings fixed =
        new DetectorSettings(
            Duration.ofSeconds(60),
            Duration.ofSeconds(10),
            Duration.ofMillis(500),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            List.of("+qmpsentinel-fix"),
            3,
            Duration.ofMillis(250),
            Duration.ofSeconds(120));
    VmWatch w = VmWatch.create(new VmId("f", "f", ""), fixed, new ManualTicker());
    w.observe(
        new Observation.Connected(0, "7.2.22", "Debian 1:7.2+dfsg-7+qmpsentinel-fix", true, true));
    IntrusionDecision d =
        w.requestIntrusion(policy.classifyHmp("info registers -a", OptionalInt.empty()));
    assertThat(w.phase()).isEqualTo(Phase.STARTUP);
    assertThat(d.code()).isEqualTo("fixed_qemu");
  }

  @Test
  void monitorTimeoutsWhileQemuLivesAreUnresponsive() {
    Streams s = new Streams(1);
    for (int i = 0; i < 6; i++) {
      s.events.addAll(
          s.watch.observe(
              new CommandOutcome(0, "query-status", CommandOutcome.Outcome.TIMEOUT, true)));
    }
    assertThat(s.of(MONITOR_UNRESPONSIVE))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED, HangState.CONFIRMED);
    s.events.addAll(
        s.watch.observe(new CommandOutcome(0, "query-status", CommandOutcome.Outcome.OK, true)));
    assertThat(s.of(MONITOR_UNRESPONSIVE))
        .last()
        .extracting(HangEvent::state)
        .isEqualTo(HangState.RESOLVED);
    for (int i = 0; i < 10; i++) { // QEMU is gone: timeouts mean nothing
      s.events.addAll(
          s.watch.observe(
              new CommandOutcome(0, "query-status", CommandOutcome.Outcome.TIMEOUT, false)));
    }
    assertThat(s.of(MONITOR_UNRESPONSIVE)).hasSize(3);
  }

  @Test
  void unexpectedPauseStatesAreConfirmedAndRunningResolves() {
    Streams s = new Streams(1);
    s.events.addAll(s.watch.observe(new Observation.RunStatus(0, false, "paused")));
    assertThat(s.of(UNEXPECTED_PAUSE)).isEmpty(); // an operator's stop is not a hang
    s.events.addAll(s.watch.observe(new Observation.RunStatus(0, false, "internal-error")));
    s.events.addAll(s.watch.observe(new Observation.RunStatus(0, true, "running")));
    s.lifecycle(LifecycleEvent.GUEST_PANICKED);
    assertThat(s.of(UNEXPECTED_PAUSE))
        .extracting(HangEvent::state)
        .containsExactly(HangState.CONFIRMED, HangState.RESOLVED, HangState.CONFIRMED);
  }

  @Test
  void afterAResetTheStatsReadIsAdmittedPastTheKickLimitUntilTheBaselineIsIn() {
    Streams s = new Streams(2);
    Intrusion stats = policy.classifyQmp("query-stats", java.util.Map.of("target", "vcpu"));
    Intrusion nmi = policy.classifyQmp("inject-nmi", java.util.Map.of());
    s.poll(S);
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.ABSOLUTE);
    assertThat(s.watch.requestIntrusion(stats).code()).isEqualTo("kick");
    s.ticker.advance(Duration.ofMillis(100));
    s.lifecycle(LifecycleEvent.RESET);
    assertThat(s.watch.awaitingBaseline()).isTrue();
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.PENDING);
    // 100 ms after the last kick: the baseline read goes through, an NMI does not.
    IntrusionDecision baseline = s.watch.requestIntrusion(stats);
    assertThat(baseline.allowed()).isTrue();
    assertThat(baseline.code()).isEqualTo("baseline");
    assertThat(
            s.watch
                .requestIntrusion(policy.classifyHmp("info stats vcpu", OptionalInt.empty()))
                .code())
        .isEqualTo("baseline");
    assertThat(s.watch.requestIntrusion(nmi).code()).isEqualTo("rate_limited");
    // A poll without counters does not end the wait ...
    s.kvm = false;
    s.poll(Duration.ofMillis(5));
    assertThat(s.watch.awaitingBaseline()).isTrue();
    assertThat(s.watch.requestIntrusion(stats).code()).isEqualTo("baseline");
    // ... one with them does, and the limit applies again.
    s.kvm = true;
    s.poll(Duration.ofMillis(5));
    assertThat(s.watch.awaitingBaseline()).isFalse();
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.TIMELY);
    assertThat(s.watch.requestIntrusion(stats).code()).isEqualTo("rate_limited");
  }

  @Test
  void aBaselineAfterTheGraceIsLate() {
    Streams s = new Streams(2);
    s.poll(S);
    s.lifecycle(LifecycleEvent.RESET);
    s.kvm = false;
    s.poll(Duration.ofMillis(200));
    s.kvm = true;
    s.poll(Duration.ofMillis(51)); // 251 ms after the RESET
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.LATE);
  }

  /** The measured bug, reduced: the RESET poll's stats refused, an AP that ran before the reset. */
  @Test
  void aResetPollWithoutCountersIsNotABaselineOfZero() {
    Streams s = new Streams(4);
    for (int ap = 1; ap < 4; ap++) {
      s.exits[ap] = 40; // the previous boot woke the APs
      s.halts[ap] = 1;
    }
    for (int i = 0; i < 3; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    s.lifecycle(LifecycleEvent.RESET); // the INITs of the new boot are lost: APs never run again
    s.kvm = false; // the RESET poll's query-stats was refused or failed
    s.poll(Duration.ofMillis(5));
    s.kvm = true;
    for (int i = 0; i < 8; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.LATE);
    // The APs' exits did not move since before the RESET: proven, judged from counters.
    assertThat(s.of(AP_STUCK_IN_RESET))
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED);
    assertThat(s.of(AP_STUCK_IN_RESET).get(0).evidence().figures())
        .containsEntry("stuck_aps", List.of(1, 2, 3))
        .containsEntry("baseline", "late");
  }

  @Test
  void aPollSentBeforeTheResetIsIgnored() {
    Streams s = new Streams(2);
    s.poll(S);
    long sent = s.ticker.nanos() + 1;
    s.ticker.advance(Duration.ofMillis(10));
    s.lifecycle(LifecycleEvent.RESET);
    s.ticker.advance(Duration.ofMillis(10));
    s.watch.observe(
        new Observation.VcpuPoll(
            s.ticker.nanos(),
            sent,
            List.of(
                new Observation.VcpuSample(
                    0, 1000, java.util.OptionalLong.of(0), Optional.of(counters(5))),
                new Observation.VcpuSample(
                    1, 1001, java.util.OptionalLong.of(0), Optional.of(counters(5))))));
    assertThat(s.watch.awaitingBaseline()).isTrue();
    s.poll(Duration.ofMillis(5));
    assertThat(s.watch.awaitingBaseline()).isFalse();
  }

  @Test
  void aPollCannotBeAnsweredBeforeItWasSent() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new Observation.VcpuPoll(10, 11, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Same identity, new QEMU process (every vCPU thread new): a new boot, counters from zero. */
  @Test
  void aReplacedQemuProcessStartsAnAbsoluteBoot() {
    Streams s = new Streams(2);
    s.exits[1] = 30; // the old process's boot ran its AP
    for (int i = 0; i < 3; i++) {
      s.bspSpins(S);
      s.poll(S);
    }
    ManualTicker t = s.ticker;
    List<HangEvent> events = new java.util.ArrayList<>();
    long bsp = 0;
    for (int i = 0; i < 8; i++) {
      t.advance(S);
      bsp += 500;
      events.addAll(
          s.watch.observe(
              new Observation.VcpuPoll(
                  t.nanos(),
                  t.nanos(),
                  List.of(
                      new Observation.VcpuSample(
                          0,
                          2000,
                          java.util.OptionalLong.of(i * S.toNanos()),
                          Optional.of(counters(bsp))),
                      new Observation.VcpuSample(
                          1, 2001, java.util.OptionalLong.of(0), Optional.of(counters(0)))))));
    }
    assertThat(s.watch.baselineQuality()).isEqualTo(BaselineQuality.ABSOLUTE);
    assertThat(events).extracting(HangEvent::state).containsExactly(HangState.SUSPECTED);
  }

  private static Observation.KvmCounters counters(long exits) {
    return new Observation.KvmCounters(java.util.Map.of("exits", exits, "halt_exits", 0L));
  }
}
