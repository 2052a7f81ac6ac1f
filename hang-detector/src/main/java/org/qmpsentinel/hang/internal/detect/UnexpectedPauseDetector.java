package org.qmpsentinel.hang.internal.detect;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.Evidence.Confidence;
import org.qmpsentinel.hang.HangEvent;

/**
 * UNEXPECTED_PAUSE: the VM stopped for a reason nobody asked for — internal-error, io-error,
 * guest-panicked, or shutdown with QEMU kept alive (-no-shutdown) so nothing restarts it. These
 * states are definite, so they are CONFIRMED at once; running again resolves.
 */
public final class UnexpectedPauseDetector {
  private static final Set<String> UNEXPECTED =
      Set.of("internal-error", "io-error", "guest-panicked", "shutdown");

  private final HangTracker tracker;

  public UnexpectedPauseDetector(HangTracker tracker) {
    this.tracker = tracker;
  }

  public List<HangEvent> onStatus(boolean running, String status, Instant now) {
    if (running) {
      return tracker
          .resolve(new Evidence(Confidence.HIGH, "the VM is running again", Map.of()))
          .map(List::of)
          .orElse(List.of());
    }
    if (UNEXPECTED.contains(status)) {
      return confirm("run state " + status, status, now);
    }
    return List.of();
  }

  public List<HangEvent> onGuestPanicked(Instant now) {
    return confirm("GUEST_PANICKED event", "guest-panicked", now);
  }

  private List<HangEvent> confirm(String why, String status, Instant now) {
    return tracker
        .confirm(
            new Evidence(
                Confidence.HIGH, "VM paused unexpectedly: " + why, Map.of("status", status)),
            now)
        .map(List::of)
        .orElse(List.of());
  }
}
