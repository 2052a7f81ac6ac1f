package org.qmpsentinel.hang;

import java.util.List;
import java.util.OptionalInt;

/**
 * Everything hang-detector knows about one VM: its phase, its detectors, its intrusion budget. Not
 * thread-safe: the agent's per-VM supervisor is its only caller.
 */
public interface VmWatch {

  static VmWatch create(VmId vm, DetectorSettings settings, Ticker ticker) {
    throw new UnsupportedOperationException("implemented in issue 3");
  }

  VmId vm();

  /** Feeds one observation; returns the hang state changes it caused (often none). */
  List<HangEvent> observe(Observation observation);

  /** Re-evaluates time-based transitions with no new observation. */
  List<HangEvent> tick();

  Phase phase();

  /** Hangs currently SUSPECTED or CONFIRMED. */
  List<HangEvent> activeHangs();

  /**
   * The vCPU whose registers would confirm a suspected AP_STUCK_IN_RESET, if any. Reading that AP
   * is allowed even in STARTUP: its INIT is already lost.
   */
  OptionalInt confirmationTarget();

  /**
   * Asks to run a classified command now. Denied with a reason when the phase or rate limits forbid
   * it; when allowed, close the decision after the command completes.
   */
  IntrusionDecision requestIntrusion(Intrusion intrusion);
}
