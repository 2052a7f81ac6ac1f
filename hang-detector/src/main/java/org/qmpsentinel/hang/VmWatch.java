package org.qmpsentinel.hang;

import java.util.List;
import java.util.OptionalInt;

/**
 * Everything hang-detector knows about one VM: its phase, its detectors, its intrusion budget.
 * Thread-safe (methods are synchronized), but meant to be driven by one per-VM supervisor.
 *
 * <p>How to drive it:
 *
 * <ol>
 *   <li>{@link Observation.Connected} on every (re)connection, with QEMU's version and package
 *       string (a QEMU matching {@link DetectorSettings#fixedQemu()} gets STEADY rules).
 *   <li>{@link Observation.Lifecycle} for RESET, SHUTDOWN, STOP, RESUME, GUEST_PANICKED events.
 *       <b>Poll immediately after a RESET</b>: the first poll after it is the new boot's baseline,
 *       and it should be taken before the firmware wakes the APs.
 *   <li>{@link Observation.RunStatus} from each {@code query-status}, and {@link
 *       Observation.VcpuPoll} once per poll (every vCPU: thread CPU time, KVM counters when {@code
 *       query-stats} is available). Time-based transitions happen on polls.
 *   <li>{@link Observation.CommandOutcome} for each QMP command (timeouts feed
 *       MONITOR_UNRESPONSIVE).
 *   <li>When {@link #confirmationTarget()} names an AP: classify {@code info registers} for it
 *       ({@code policy.classifyHmp("info registers", OptionalInt.of(ap))}), ask {@link
 *       #requestIntrusion}, and only if allowed run HMP {@code info registers} with {@code
 *       cpu-index} = ap, parse it with {@link X86RegistersParser}, feed {@link
 *       Observation.Registers}, and close the decision.
 * </ol>
 */
public interface VmWatch {

  static VmWatch create(VmId vm, DetectorSettings settings, Ticker ticker) {
    return new org.qmpsentinel.hang.internal.DefaultVmWatch(vm, settings, ticker);
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
