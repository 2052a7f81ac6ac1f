package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.Phase;

class PollCadenceTest {
  private final PollCadence cadence =
      new PollCadence(Duration.ofSeconds(1), Duration.ofSeconds(10), 0.1, Duration.ofSeconds(60));

  @Test
  void everyPollFallsDueOnASlotBoundaryWithinTheJitteredInterval() {
    for (long now = 1; now < 5_000_000_000L; now += 37_123_457L) {
      long startup = cadence.nextDelayNanos(Phase.STARTUP, now);
      assertThat((now + startup) % PollCadence.SLOT_NANOS).isZero();
      assertThat(startup).isBetween(900_000_000L, 1_100_000_000L + PollCadence.SLOT_NANOS);
    }
  }

  @Test
  void steadyIsSlowUnlessAFastWindowWasAskedFor() {
    long now = 7_000_000_000L;
    assertThat(cadence.nextDelayNanos(Phase.STEADY, now)).isGreaterThanOrEqualTo(9_000_000_000L);

    cadence.fastFrom(now);

    assertThat(cadence.fast(Phase.STEADY, now + 59_000_000_000L)).isTrue();
    assertThat(cadence.nextDelayNanos(Phase.STEADY, now)).isLessThan(1_200_000_000L);
    assertThat(cadence.fast(Phase.STEADY, now + 60_000_000_000L)).isFalse();
  }

  @Test
  void slotsRoundUpAndKeepBoundaries() {
    assertThat(PollCadence.ceilToSlot(0)).isZero();
    assertThat(PollCadence.ceilToSlot(1)).isEqualTo(PollCadence.SLOT_NANOS);
    assertThat(PollCadence.ceilToSlot(PollCadence.SLOT_NANOS)).isEqualTo(PollCadence.SLOT_NANOS);
    assertThat(PollCadence.ceilToSlot(-1)).isZero();
  }
}
