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

  /** Delay before the next poll, jittered so that VMs started together do not poll together. */
  long nextDelayNanos(Phase phase, long nowNanos) {
    long base = (fast(phase, nowNanos) ? startup : steady).toNanos();
    double spread = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
    return (long) (base * spread);
  }
}
