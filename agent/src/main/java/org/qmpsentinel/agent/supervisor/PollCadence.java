package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.qmpsentinel.hang.Phase;

/**
 * How often to poll, by what the phase needs. STARTUP — the only phase in which the lost-INIT hang
 * happens — is polled fast and with KVM counters. STEADY needs lifecycle (from events), run state
 * and monitor liveness only, so it is polled at the slower steady interval and without the
 * vCPU-kicking {@code query-stats}. After a reconnect or a vCPU change the agent cannot know what
 * happened meanwhile (the RESET may have been missed), so it polls fast for a while as if the VM
 * were starting.
 */
final class PollCadence {
  /** Poll deadlines are rounded up to this: 50 ms, small beside the 1 s STARTUP interval. */
  static final long SLOT_NANOS = 50_000_000L;

  private final Duration startup;
  private final Duration steady;
  private final double jitter;
  private final Duration fastWindow;
  private long fastUntilNanos = Long.MIN_VALUE;

  PollCadence(Duration startup, Duration steady, double jitter, Duration fastWindow) {
    this.startup = startup;
    this.steady = steady;
    this.jitter = jitter;
    this.fastWindow = fastWindow;
  }

  /** Poll fast for the next {@code fastWindow}, whatever the phase says. */
  void fastFrom(long nowNanos) {
    fastUntilNanos = nowNanos + fastWindow.toNanos();
  }

  boolean fast(Phase phase, long nowNanos) {
    return phase == Phase.STARTUP || nowNanos < fastUntilNanos;
  }

  /**
   * Delay before the next poll, jittered so that VMs started together do not poll together, and
   * ending on a {@link #SLOT_NANOS} boundary of the ticker: the polls of a thousand VMs then fall
   * due in at most 20 batches a second, each run by one wake-up of the pipeline pool, instead of a
   * wake-up per poll.
   */
  long nextDelayNanos(Phase phase, long nowNanos) {
    long base = (fast(phase, nowNanos) ? startup : steady).toNanos();
    double spread = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
    long due = nowNanos + (long) (base * spread);
    return Math.max(0, ceilToSlot(due) - nowNanos);
  }

  static long ceilToSlot(long nanos) {
    return Math.floorDiv(nanos + SLOT_NANOS - 1, SLOT_NANOS) * SLOT_NANOS;
  }
}
