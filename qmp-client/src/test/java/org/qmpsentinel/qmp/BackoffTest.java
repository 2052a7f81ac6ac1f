package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Delays with seeded jitter: reproducible, within bounds, growing to the cap. */
class BackoffTest {
  private static final Backoff BASE =
      new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0);

  private static List<Duration> delays(Backoff backoff, int failures) {
    List<Duration> all = new ArrayList<>();
    for (int n = 0; n < failures; n++) {
      all.add(backoff.delay(n));
    }
    return all;
  }

  @Test
  void theSameSeedGivesTheSameDelaysAndAnotherSeedOthers() {
    List<Duration> a = delays(BASE.withJitter(Backoff.Jitter.seeded(42)), 20);
    List<Duration> b = delays(BASE.withJitter(Backoff.Jitter.seeded(42)), 20);
    List<Duration> c = delays(BASE.withJitter(Backoff.Jitter.seeded(43)), 20);
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void everyDelayIsBetweenHalfTheInitialAndTheCapOfItsAttempt() {
    Backoff backoff = BASE.withJitter(Backoff.Jitter.seeded(7));
    for (int round = 0; round < 200; round++) {
      for (int n = 0; n < 12; n++) {
        long cap = Math.min(200L << n, 30_000L);
        assertThat(backoff.delay(n))
            .as("failure %d", n)
            .isBetween(Duration.ofMillis(100), Duration.ofMillis(cap));
      }
    }
  }

  @Test
  void jitterSpreadsDelaysOverTheWholeRange() {
    Backoff backoff = BASE.withJitter(Backoff.Jitter.seeded(1));
    List<Duration> atTheCap = IntStream.range(0, 1000).mapToObj(i -> backoff.delay(20)).toList();
    assertThat(new HashSet<>(atTheCap)).hasSizeGreaterThan(990);
    assertThat(atTheCap).anyMatch(d -> d.compareTo(Duration.ofSeconds(5)) < 0);
    assertThat(atTheCap).anyMatch(d -> d.compareTo(Duration.ofSeconds(25)) > 0);
  }

  @Test
  void extremesOfTheJitterAreTheFloorAndTheCap() {
    Backoff lowest = BASE.withJitter(bound -> 0);
    Backoff highest = BASE.withJitter(bound -> bound - 1);
    assertThat(lowest.delay(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(lowest.delay(1000)).isEqualTo(Duration.ofMillis(100));
    assertThat(highest.delay(0)).isEqualTo(Duration.ofMillis(200));
    assertThat(highest.delay(3)).isEqualTo(Duration.ofMillis(1600));
    assertThat(highest.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void defaultsAndValidation() {
    assertThat(Backoff.defaults().healthyAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(BASE.withHealthyAfter(Duration.ofMinutes(1)).healthyAfter())
        .isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BASE.withHealthyAfter(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
