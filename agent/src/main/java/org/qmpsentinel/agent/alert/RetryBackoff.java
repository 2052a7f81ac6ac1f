package org.qmpsentinel.agent.alert;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.qmpsentinel.qmp.Backoff;

/**
 * The delay before the next attempt at one webhook after {@code failures} failed attempts in a row:
 * a random time between {@code initial} and {@code min(max, initial × multiplier^failures)}.
 * qmp-client's {@link Backoff} gives the validated floor and ceiling; its jitter is computed inside
 * qmp-client's reconnecting supervisor (internal, not part of the record), so the one function
 * needed here is here. Unlike that reconnect jitter the floor is the full {@code initial}: the
 * number of attempts in any interval is then bounded by the configuration alone, which is what
 * docs/reliability.md promises and the tests count.
 */
record RetryBackoff(Backoff backoff, RandomGenerator random) {

  Duration delay(int failures) {
    long floor = backoff.initial().toNanos();
    double exponential =
        floor * Math.pow(backoff.multiplier(), Math.max(0, Math.min(failures - 1, 62)));
    long cap = (long) Math.min(exponential, backoff.max().toNanos());
    return Duration.ofNanos(floor + random.nextLong(Math.max(1, cap - floor + 1)));
  }
}
