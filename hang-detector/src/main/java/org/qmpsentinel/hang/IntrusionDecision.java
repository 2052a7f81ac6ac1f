package org.qmpsentinel.hang;

/**
 * The policy's answer. {@code reason} is {@code "<code>: <sentence>"}: the code is a short, stable,
 * bounded label (for metrics), the sentence is for humans. When allowed and the command
 * synchronizes, {@link #close()} once it finishes so that the next one may run (one at a time per
 * VM).
 */
public record IntrusionDecision(boolean allowed, String reason, Runnable release)
    implements AutoCloseable {

  public static IntrusionDecision allow(String code, String why, Runnable release) {
    return new IntrusionDecision(true, code + ": " + why, release);
  }

  public static IntrusionDecision deny(String code, String why) {
    return new IntrusionDecision(false, code + ": " + why, () -> {});
  }

  /** Denied with a free-form reason; its code is {@code denied}. */
  public static IntrusionDecision deny(String reason) {
    return new IntrusionDecision(
        false, reason.contains(": ") ? reason : "denied: " + reason, () -> {});
  }

  /** The stable label before the colon, e.g. {@code startup_ap_sync}, {@code rate_limited}. */
  public String code() {
    int colon = reason.indexOf(": ");
    return colon < 0 ? reason : reason.substring(0, colon);
  }

  @Override
  public void close() {
    release.run();
  }
}
