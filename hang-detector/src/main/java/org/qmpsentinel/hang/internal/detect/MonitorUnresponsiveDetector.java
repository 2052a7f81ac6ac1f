package org.qmpsentinel.hang.internal.detect;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.Evidence.Confidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Observation.CommandOutcome;

/**
 * MONITOR_UNRESPONSIVE: QMP commands time out while the QEMU process still exists — QEMU's main
 * loop is stuck (or the process is stopped). N consecutive timeouts suspect it, 2N confirm it; any
 * answer resolves it.
 */
public final class MonitorUnresponsiveDetector {
  private final int threshold;
  private final HangTracker tracker;
  private int consecutiveTimeouts;
  private Instant firstTimeout = Instant.EPOCH; // set by the first of consecutive timeouts

  public MonitorUnresponsiveDetector(int threshold, HangTracker tracker) {
    this.threshold = Math.max(1, threshold);
    this.tracker = tracker;
  }

  public List<HangEvent> onOutcome(CommandOutcome outcome, Instant now) {
    if (outcome.outcome() != CommandOutcome.Outcome.TIMEOUT) {
      consecutiveTimeouts = 0;
      return tracker
          .resolve(
              new Evidence(Confidence.HIGH, "the monitor answered " + outcome.command(), Map.of()))
          .map(List::of)
          .orElse(List.of());
    }
    if (!outcome.processAlive()) {
      consecutiveTimeouts = 0;
      return tracker
          .resolve(new Evidence(Confidence.HIGH, "the QEMU process is gone", Map.of()))
          .map(List::of)
          .orElse(List.of());
    }
    if (consecutiveTimeouts++ == 0) {
      firstTimeout = now;
    }
    Evidence evidence =
        new Evidence(
            Confidence.HIGH,
            consecutiveTimeouts + " consecutive QMP commands timed out while QEMU is alive",
            Map.of("consecutive_timeouts", consecutiveTimeouts, "last_command", outcome.command()));
    if (consecutiveTimeouts >= 2 * threshold && tracker.state() != HangState.CONFIRMED) {
      return tracker.confirm(evidence, firstTimeout).map(List::of).orElse(List.of());
    }
    if (consecutiveTimeouts >= threshold && !tracker.active()) {
      return tracker.suspect(evidence, firstTimeout).map(List::of).orElse(List.of());
    }
    return List.of();
  }
}
