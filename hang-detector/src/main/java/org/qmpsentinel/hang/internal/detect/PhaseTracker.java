package org.qmpsentinel.hang.internal.detect;

import java.time.Duration;
import org.qmpsentinel.hang.Phase;

/**
 * STARTUP from process start or a RESET until every vCPU of the boot has been seen running and the
 * settle period (default 60 s, covering the guest OS's own AP bring-up) has passed since.
 */
public final class PhaseTracker {
  private final Duration settle;
  private long allRanAtNanos = Long.MIN_VALUE;

  public PhaseTracker(Duration settle) {
    this.settle = settle;
  }

  public void reset() {
    allRanAtNanos = Long.MIN_VALUE;
  }

  /** Called after every poll. */
  public void onPoll(long nowNanos, VcpuLedger ledger) {
    if (allRanAtNanos != Long.MIN_VALUE || ledger.bootVcpus().isEmpty()) {
      return;
    }
    if (ledger.bootVcpus().stream().allMatch(ledger::ranSinceBoot)) {
      allRanAtNanos = nowNanos;
    }
  }

  public Phase phase(long nowNanos) {
    return allRanAtNanos != Long.MIN_VALUE && nowNanos - allRanAtNanos >= settle.toNanos()
        ? Phase.STEADY
        : Phase.STARTUP;
  }
}
