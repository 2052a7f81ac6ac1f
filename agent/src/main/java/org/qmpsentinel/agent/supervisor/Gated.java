package org.qmpsentinel.agent.supervisor;

import org.qmpsentinel.hang.IntrusionDecision;

/** What became of a command that had to pass the {@link IntrusionGate}. */
sealed interface Gated<T> {
  IntrusionDecision decision();

  /** The policy refused it; nothing was sent. */
  record Denied<T>(IntrusionDecision decision) implements Gated<T> {}

  /** The policy admitted it and QEMU answered {@code value}. */
  record Ran<T>(IntrusionDecision decision, T value) implements Gated<T> {}
}
