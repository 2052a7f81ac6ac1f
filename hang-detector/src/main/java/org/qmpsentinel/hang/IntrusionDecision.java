package org.qmpsentinel.hang;

/**
 * The policy's answer. When allowed and the command synchronizes, call {@link #close()} once it
 * finishes so the next one may run (one at a time per VM).
 */
public record IntrusionDecision(boolean allowed, String reason, Runnable release)
    implements AutoCloseable {

  public static IntrusionDecision deny(String reason) {
    return new IntrusionDecision(false, reason, () -> {});
  }

  @Override
  public void close() {
    release.run();
  }
}
