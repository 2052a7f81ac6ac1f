package org.qmpsentinel.qmp;

import java.time.Duration;
import java.util.Objects;

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(max, initial *
 * multiplier^n)], but at least {@code initial / 2} so a crash loop never spins.
 */
public record Backoff(Duration initial, Duration max, double multiplier) {
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || multiplier < 1) {
      throw new IllegalArgumentException(
          "invalid backoff " + initial + ".." + max + " x" + multiplier);
    }
  }

  public static Backoff defaults() {
    return new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0);
  }
}
