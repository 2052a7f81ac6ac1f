package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.qmp.Backoff;

/** Every delay lies between retry-initial and the exponential cap, which stops at retry-max. */
class RetryBackoffTest {

  @Test
  void delaysStayBetweenFloorAndCeiling() {
    Duration initial = Duration.ofMillis(100);
    Duration max = Duration.ofSeconds(4);
    RetryBackoff backoff = new RetryBackoff(new Backoff(initial, max, 2.0), new Random(7));
    Duration longest = Duration.ZERO;
    for (int failures = 1; failures <= 200; failures++) {
      Duration cap = initial.multipliedBy(1L << Math.min(failures - 1, 20));
      Duration d = backoff.delay(failures);
      assertThat(d).isBetween(initial, cap.compareTo(max) < 0 ? cap : max);
      longest = d.compareTo(longest) > 0 ? d : longest;
    }
    assertThat(backoff.delay(1)).isEqualTo(initial);
    assertThat(longest).isGreaterThan(max.dividedBy(2)); // it does back off, up to the ceiling
  }
}
