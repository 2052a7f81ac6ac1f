package org.qmpsentinel.hang;

import java.time.Duration;
import java.time.Instant;

/** A clock the test moves by hand. */
final class ManualTicker implements Ticker {
  private static final Instant EPOCH = Instant.parse("2026-11-25T00:00:00Z");
  private long nanos;

  @Override
  public long nanos() {
    return nanos;
  }

  @Override
  public Instant wallTime() {
    return EPOCH.plusNanos(nanos);
  }

  void set(long nanos) {
    this.nanos = nanos;
  }

  void advance(Duration d) {
    nanos += d.toNanos();
  }
}
