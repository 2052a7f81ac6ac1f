package org.qmpsentinel.agent.supervisor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler whose timers fire only when the test says so ({@link #fireAll()}), while immediate
 * tasks (the VM pipelines) run on a real thread as in the agent. Poll ticks are then events the
 * test controls instead of races against the clock.
 */
final class ManualScheduler extends ScheduledThreadPoolExecutor {
  private final List<Tick> ticks = new ArrayList<>();

  ManualScheduler() {
    super(1);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (delay <= 0) {
      return super.schedule(command, 0, unit);
    }
    Tick tick = new Tick(command, unit.toNanos(delay));
    synchronized (ticks) {
      ticks.add(tick);
    }
    return tick;
  }

  /** Runs every timer scheduled so far (and not cancelled), as if its delay had passed. */
  void fireAll() {
    List<Tick> due;
    synchronized (ticks) {
      due = new ArrayList<>(ticks);
      ticks.clear();
    }
    due.stream().filter(t -> !t.cancelled).forEach(t -> execute(t.command));
  }

  /** Timers waiting to fire. */
  int pendingTimers() {
    synchronized (ticks) {
      return (int) ticks.stream().filter(t -> !t.cancelled).count();
    }
  }

  private static final class Tick implements ScheduledFuture<Object> {
    final Runnable command;
    final long delayNanos;
    volatile boolean cancelled;

    Tick(Runnable command, long delayNanos) {
      this.command = command;
      this.delayNanos = delayNanos;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(delayNanos, other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("manual timers are never waited for");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("manual timers are never waited for");
    }
  }
}
