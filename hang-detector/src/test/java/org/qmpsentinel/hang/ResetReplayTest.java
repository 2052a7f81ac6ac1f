package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.hang.ResetLoop.BUSY_APS;
import static org.qmpsentinel.hang.ResetLoop.HEALTHY;
import static org.qmpsentinel.hang.ResetLoop.PANIC_BSP_PARKED_APS;
import static org.qmpsentinel.hang.ResetLoop.STUCK;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.ResetLoop.Boot;
import org.qmpsentinel.hang.ResetLoop.BootOutcome;
import org.qmpsentinel.hang.ResetLoop.Recording;

/**
 * Recorded real boots replayed as reset loops through a simulated agent ({@link ResetLoop}): the
 * baseline after each RESET, late and missing baselines, and polls racing the RESET.
 */
class ResetReplayTest {
  private static final Duration SLOW = Duration.ofMillis(300); // APs woken ~0.8 s after reset
  private static final Duration FAST = Duration.ofMillis(-600); // APs parked before the baseline

  private static Boot healthy(Recording r, double seconds, Duration delay) {
    return new Boot(r, seconds, delay, false);
  }

  private static Boot hung(double seconds, Duration delay) {
    return new Boot(STUCK, seconds, delay, true);
  }

  private static List<HangEvent> raised(BootOutcome o) {
    return o.events().stream()
        .filter(e -> e.state() == HangState.SUSPECTED || e.state() == HangState.CONFIRMED)
        .toList();
  }

  /**
   * The bug's scenario: a reset loop on a VM whose guest hangs after most resets (a hammering
   * monitor loses INITs), polled every second with the RESET poll often inside the 500 ms kick
   * interval. Every hung boot is found; no healthy boot raises anything.
   */
  @Test
  void resetLoopFindsEveryHungBootAndNoHealthyOne() {
    Random random = new Random(42);
    List<Boot> boots = new ArrayList<>();
    boots.add(healthy(HEALTHY, 12, SLOW));
    List<Boolean> hungAfterReset = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      hungAfterReset.add(i % 2 == 0);
    }
    java.util.Collections.shuffle(hungAfterReset, random);
    Recording[] healthyKinds = {HEALTHY, PANIC_BSP_PARKED_APS, BUSY_APS};
    for (boolean isHung : hungAfterReset) {
      Duration delay = random.nextBoolean() ? SLOW : FAST;
      double seconds = 15 + random.nextInt(60) / 10.0;
      boots.add(
          isHung
              ? hung(seconds, delay)
              : healthy(healthyKinds[random.nextInt(healthyKinds.length)], seconds, delay));
    }
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 7);
    List<BootOutcome> outcomes = loop.run();

    List<BootOutcome> hungBoots = outcomes.stream().filter(o -> o.boot().hung()).toList();
    assertThat(hungBoots).hasSize(15);
    assertThat(hungBoots).allSatisfy(o -> assertThat(raised(o)).isNotEmpty());
    assertThat(hungBoots)
        .allSatisfy(
            o -> assertThat(o.events()).extracting(HangEvent::state).contains(HangState.CONFIRMED));
    assertThat(outcomes.stream().filter(o -> !o.boot().hung()))
        .allSatisfy(o -> assertThat(raised(o)).isEmpty());
    // The condition of the bug did occur: baseline reads the kick limit would have refused.
    assertThat(loop.baselineReadsInsideKickInterval).isGreaterThanOrEqualTo(5);
    assertThat(loop.statsDecisions).containsKey("baseline");
    assertThat(outcomes.subList(1, outcomes.size()))
        .extracting(BootOutcome::quality)
        .containsOnly(BaselineQuality.TIMELY);
    // After busy APs the stuck ones were read before anything was raised; after parked or stuck
    // APs the counters alone proved them.
    for (int k = 1; k < outcomes.size(); k++) {
      BootOutcome o = outcomes.get(k);
      if (o.boot().hung()) {
        boolean afterBusy = outcomes.get(k - 1).boot().recording() == BUSY_APS;
        HangEvent first = raised(o).get(0);
        if (Boolean.getBoolean("debugLoop")) {
          System.out.println(
              k + " prev=" + outcomes.get(k - 1).boot() + " this=" + o.boot() + " " + o.events());
        }
        assertThat(first.evidence().figures().containsKey("confirmed_cpu"))
            .as("boot %d (after %s)", k, outcomes.get(k - 1).boot().recording().name())
            .isEqualTo(afterBusy);
      }
    }
  }

  /** The first post-reset poll's query-stats fails; the next, a second later, is LATE. */
  @Test
  void lateBaselineWithParkedApsRaisesNothing() {
    List<Boot> boots =
        List.of(healthy(BUSY_APS, 10, SLOW), healthy(PANIC_BSP_PARKED_APS, 60, FAST));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 1);
    loop.statsFailsOnPollAfterReset = n -> n == 1;
    List<BootOutcome> outcomes = loop.run();

    BootOutcome afterReset = outcomes.get(1);
    assertThat(afterReset.quality()).isEqualTo(BaselineQuality.LATE);
    assertThat(afterReset.events()).isEmpty();
    // The BSP spins for a minute beside three parked APs: each is read once, then cleared.
    assertThat(afterReset.registerReads()).isEqualTo(3);
    assertThat(loop.watch.confirmationTarget()).isEmpty();
  }

  /**
   * Why a timely baseline proves nothing by itself: on a fast host SeaBIOS has woken and parked the
   * APs before the baseline read (here 2 ms after the RESET), and the maxcpus=1 guest's BSP then
   * spins for a minute. The APs are ambiguous (busy before the RESET), so they are read, not
   * reported.
   */
  @Test
  void timelyBaselineAfterTheApsWereParkedRaisesNothing() {
    List<Boot> boots =
        List.of(healthy(BUSY_APS, 10, SLOW), healthy(PANIC_BSP_PARKED_APS, 60, FAST));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 1);
    List<BootOutcome> outcomes = loop.run();

    BootOutcome afterReset = outcomes.get(1);
    assertThat(afterReset.quality()).isEqualTo(BaselineQuality.TIMELY);
    assertThat(afterReset.events()).isEmpty();
    assertThat(afterReset.registerReads()).isEqualTo(3);
  }

  @Test
  void lateBaselineWithStuckApsIsConfirmedByRegisters() {
    List<Boot> boots = List.of(healthy(BUSY_APS, 10, SLOW), hung(20, SLOW));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 1);
    loop.statsFailsOnPollAfterReset = n -> n == 1;
    List<BootOutcome> outcomes = loop.run();

    BootOutcome afterReset = outcomes.get(1);
    assertThat(afterReset.quality()).isEqualTo(BaselineQuality.LATE);
    assertThat(afterReset.events())
        .extracting(HangEvent::state)
        .containsExactly(HangState.SUSPECTED, HangState.CONFIRMED);
    HangEvent suspected = afterReset.events().get(0);
    assertThat(suspected.evidence().confidence()).isEqualTo(Evidence.Confidence.HIGH);
    assertThat(suspected.evidence().figures())
        .containsEntry("baseline", "late")
        .containsEntry("confirmed_cpu", 1)
        .containsEntry("stuck_aps", List.of(1))
        .containsEntry("ambiguous_aps", List.of(2, 3));
    assertThat(afterReset.registerReads()).isEqualTo(1);
  }

  /** Stuck APs whose exits did not move since before the RESET are proven: counters suffice. */
  @Test
  void lateBaselineAfterAHungBootIsJudgedFromCounters() {
    List<Boot> boots = List.of(hung(10, SLOW), hung(20, SLOW));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 1);
    loop.statsFailsOnPollAfterReset = n -> n <= 2;
    List<BootOutcome> outcomes = loop.run();

    BootOutcome afterReset = outcomes.get(1);
    assertThat(afterReset.quality()).isEqualTo(BaselineQuality.LATE);
    HangEvent first = afterReset.events().get(1); // [0] is the previous hang's RESOLVED
    assertThat(first.state()).isEqualTo(HangState.SUSPECTED);
    assertThat(first.evidence().figures())
        .containsEntry("stuck_aps", List.of(1, 2, 3))
        .containsEntry("ambiguous_aps", List.of())
        .doesNotContainKey("confirmed_cpu");
  }

  /**
   * No stats at all for 8 s after the RESET (every read fails): the boot stays PENDING and says so;
   * once stats come, the late baseline still finds the hang.
   */
  @Test
  void missingBaselineIsReportedThenTheHangIsStillFound() {
    List<Boot> boots = List.of(healthy(BUSY_APS, 10, SLOW), hung(30, SLOW));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 3);
    loop.statsFailsOnPollAfterReset = n -> n <= 8;
    List<BootOutcome> outcomes = loop.run();

    BootOutcome afterReset = outcomes.get(1);
    assertThat(afterReset.quality()).isEqualTo(BaselineQuality.LATE);
    assertThat(raised(afterReset)).isNotEmpty();
    // While nothing came, every poll's query-stats was admitted as the baseline read.
    assertThat(loop.statsDecisions.get("baseline")).isGreaterThanOrEqualTo(9);
  }

  @Test
  void missingBaselineIsPendingMeanwhile() {
    List<Boot> boots = List.of(healthy(BUSY_APS, 10, SLOW), hung(6, SLOW));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 3);
    loop.statsFailsOnPollAfterReset = n -> true;
    List<BootOutcome> outcomes = loop.run();

    assertThat(outcomes.get(1).quality()).isEqualTo(BaselineQuality.PENDING);
    assertThat(loop.watch.awaitingBaseline()).isTrue();
    assertThat(outcomes.get(1).events()).isEmpty();
  }

  /**
   * A poll sent 20 ms before each RESET is answered 20 ms after it, with counters read before it.
   * It must not become the baseline: busy APs' pre-reset exits would hide the stuck ones.
   */
  @Test
  void aPollSentBeforeTheResetIsNeverTheBaseline() {
    List<Boot> boots =
        List.of(
            healthy(BUSY_APS, 10, SLOW),
            hung(20, SLOW),
            healthy(BUSY_APS, 10, SLOW),
            healthy(PANIC_BSP_PARKED_APS, 30, FAST));
    ResetLoop loop = new ResetLoop(boots, DetectorSettings.defaults(), 5);
    loop.racePollBeforeReset = Duration.ofMillis(20);
    List<BootOutcome> outcomes = loop.run();

    assertThat(raised(outcomes.get(1))).isNotEmpty();
    assertThat(raised(outcomes.get(3))).isEmpty();
    assertThat(outcomes.subList(1, 4))
        .extracting(BootOutcome::quality)
        .containsOnly(BaselineQuality.TIMELY);
  }
}
