package org.qmpsentinel.qmp;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reconnect delays for {@link QmpSupervisor}: exponential backoff with full jitter. After the n-th
 * consecutive failure (n from 0) the supervisor waits a random time in {@code [initial / 2,
 * min(max, initial * multiplier^n)]} — never less than half the initial delay, so a crash-looping
 * QEMU never makes it spin.
 *
 * <p>The failure count goes back to 0 only when a connection has stayed up for {@code
 * healthyAfter}: a peer that accepts, negotiates and fails at once is retried ever more slowly, up
 * to {@code max}, instead of every {@code initial} forever.
 *
 * @param initial the first delay's upper bound (and twice the floor of every delay)
 * @param max the largest delay
 * @param multiplier growth of the upper bound per consecutive failure, at least 1
 * @param healthyAfter how long a connection must have stayed up for its loss to count as a fresh
 *     start (default 30 s)
 * @param jitter the source of randomness ({@link Jitter#random()} by default; {@link
 *     Jitter#seeded(long)} for reproducible delays)
 */
public record Backoff(
    Duration initial, Duration max, double multiplier, Duration healthyAfter, Jitter jitter) {

  /** The default of {@link #healthyAfter()}. */
  public static final Duration DEFAULT_HEALTHY_AFTER = Duration.ofSeconds(30);

  /** Picks the random part of each delay. Must be safe to call from several threads. */
  @FunctionalInterface
  public interface Jitter {
    /** A uniformly distributed value in {@code [0, bound)}; {@code bound} is positive. */
    long nextLong(long bound);

    /** Unseeded, per-thread randomness: what supervisors should use. */
    static Jitter random() {
      return bound -> ThreadLocalRandom.current().nextLong(bound);
    }

    /** The same sequence for the same seed (for tests); thread-safe. */
    static Jitter seeded(long seed) {
      Random random = new Random(seed);
      return random::nextLong;
    }
  }

  /** Validates; throws {@link IllegalArgumentException} for inconsistent values. */
  public Backoff {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(max, "max");
    Objects.requireNonNull(healthyAfter, "healthyAfter");
    Objects.requireNonNull(jitter, "jitter");
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || multiplier < 1) {
      throw new IllegalArgumentException(
          "invalid backoff " + initial + ".." + max + " x" + multiplier);
    }
    if (healthyAfter.isNegative()) {
      throw new IllegalArgumentException("healthyAfter must not be negative: " + healthyAfter);
    }
  }

  /** Backoff from {@code initial} to {@code max}, healthy after 30 s, unseeded jitter. */
  public Backoff(Duration initial, Duration max, double multiplier) {
    this(initial, max, multiplier, DEFAULT_HEALTHY_AFTER, Jitter.random());
  }

  /** 200 ms doubling up to 30 s; healthy after 30 s. */
  public static Backoff defaults() {
    return new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30), 2.0);
  }

  /** A copy with another {@link #healthyAfter()}. */
  public Backoff withHealthyAfter(Duration d) {
    return new Backoff(initial, max, multiplier, d, jitter);
  }

  /** A copy with another source of randomness. */
  public Backoff withJitter(Jitter j) {
    return new Backoff(initial, max, multiplier, healthyAfter, j);
  }

  /**
   * The delay before the next attempt after {@code failures} consecutive failures (0 for the first
   * failure): {@code initial/2 + jitter(cap - initial/2 + 1)} nanoseconds, where {@code cap =
   * min(max, initial * multiplier^failures)}.
   */
  public Duration delay(int failures) {
    double cap = initial.toNanos() * Math.pow(multiplier, Math.min(Math.max(failures, 0), 62));
    long capNanos = (long) Math.min(cap, max.toNanos());
    long floor = initial.toNanos() / 2;
    return Duration.ofNanos(floor + jitter.nextLong(Math.max(1, capNanos - floor + 1)));
  }
}
