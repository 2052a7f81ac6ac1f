package org.qmpsentinel.agent.systemd;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds systemd's watchdog only while the poll scheduler makes progress. A heartbeat task runs on
 * the poll scheduler itself; a separate thread sends {@code WATCHDOG=1} every half interval if that
 * heartbeat ran within the last half interval. When every poll thread is stuck (a blocking call, a
 * deadlock) the heartbeat stops, feeding stops, and systemd restarts the agent after {@code
 * WatchdogSec=}. A hung feeder thread stops feeding too, which is what the watchdog is for.
 */
public final class PollProgressWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PollProgressWatchdog.class);

  private final ScheduledExecutorService pollScheduler;
  private final Consumer<String> notify;
  private final Duration interval;
  private final LongSupplier nanos;
  private final AtomicLong lastHeartbeat;
  private final AtomicLong fed = new AtomicLong();
  private final AtomicLong withheld = new AtomicLong();
  private final ScheduledExecutorService feeder;
  private @Nullable ScheduledFuture<?> heartbeat;
  private boolean starving; // feeder thread only

  /**
   * @param interval systemd's {@code WATCHDOG_USEC}: the longest allowed gap between two feeds
   * @param notify sends one sd_notify state string
   */
  public PollProgressWatchdog(
      ScheduledExecutorService pollScheduler,
      Consumer<String> notify,
      Duration interval,
      LongSupplier nanos) {
    this.pollScheduler = pollScheduler;
    this.notify = notify;
    this.interval = interval;
    this.nanos = nanos;
    this.lastHeartbeat = new AtomicLong(nanos.getAsLong());
    this.feeder =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "systemd-watchdog");
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized void start() {
    long half = interval.toNanos() / 2;
    heartbeat =
        pollScheduler.scheduleWithFixedDelay(
            () -> lastHeartbeat.set(nanos.getAsLong()), 0, half / 2, TimeUnit.NANOSECONDS);
    feeder.scheduleWithFixedDelay(this::feed, 0, half, TimeUnit.NANOSECONDS);
  }

  /** One feeder turn: {@code WATCHDOG=1} if the poll scheduler ran the heartbeat recently. */
  void feed() {
    long sinceBeat = nanos.getAsLong() - lastHeartbeat.get();
    if (sinceBeat <= interval.toNanos() / 2) {
      if (starving) {
        log.info("poll scheduler is making progress again; feeding the systemd watchdog");
        starving = false;
      }
      notify.accept("WATCHDOG=1");
      fed.incrementAndGet();
    } else {
      if (!starving) {
        log.error(
            "poll scheduler made no progress for {} ms; no longer feeding the systemd watchdog"
                + " (systemd restarts the service when WatchdogSec={} ms pass unfed)",
            TimeUnit.NANOSECONDS.toMillis(sinceBeat),
            interval.toMillis());
        starving = true;
      }
      withheld.incrementAndGet();
    }
  }

  /** Feeder turns that sent {@code WATCHDOG=1}. */
  long fed() {
    return fed.get();
  }

  /** Feeder turns that withheld it because the poll scheduler made no progress. */
  long withheld() {
    return withheld.get();
  }

  @Override
  public synchronized void close() {
    feeder.shutdownNow();
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
  }
}
