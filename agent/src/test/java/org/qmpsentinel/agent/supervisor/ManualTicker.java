package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.qmpsentinel.hang.Ticker;

/**
 * A clock the test moves by hand, for the supervisor's pipeline tests. Atomic because the pipeline
 * reads it on its own threads while the test moves it.
 */
final class ManualTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long nanos() {
    return nanos.get();
  }

  @Override
  public Instant wallTime() {
    return Instant.EPOCH.plusNanos(nanos.get());
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
