package org.qmpsentinel.hang;

import java.time.Instant;

/** Injected time: a monotonic clock for durations and a wall clock for reporting. */
public interface Ticker {
  /** Monotonic nanoseconds, only meaningful as differences. */
  long nanos();

  /** Wall-clock time, for {@link HangEvent#since()} and reports. */
  Instant wallTime();

  static Ticker system() {
    return new Ticker() {
      @Override
      public long nanos() {
        return System.nanoTime();
      }

      @Override
      public Instant wallTime() {
        return Instant.now();
      }
    };
  }
}
