package org.qmpsentinel.hang;

import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Everything hang-detector knows about one VM: its phase, its detectors, its intrusion budget.
 * Thread-safe (methods are synchronized); the agent drives each watch from one per-VM serial
 * executor, so observations arrive in the order they happened, and only an allowed command's
 * release may come from another thread.
 *
 * <p>How to drive it:
 *
 * <ol>
 *   <li>{@link Observation.Connected} on every (re)connection, with QEMU's version and package
 *       string (a QEMU matching {@link DetectorSettings#fixedQemu()} gets STEADY rules).
 *   <li>{@link Observation.Lifecycle} for RESET, SHUTDOWN, STOP, RESUME, GUEST_PANICKED events.
 *       <b>Poll immediately after a RESET</b> (and whenever {@link #awaitingBaseline()} is true):
 *       the first poll sent after it that carries KVM counters is the new boot's baseline. Its
 *       {@code query-stats} is admitted past the kick rate limit while the baseline is pending.
 *   <li>{@link Observation.RunStatus} from each {@code query-status}, and {@link
 *       Observation.VcpuPoll} once per poll (every vCPU: thread CPU time, KVM counters when {@code
 *       query-stats} is available and admitted), with the time its first command was sent.
 *       Time-based transitions happen on polls. Report {@link #baselineQuality()}.
 *   <li>{@link Observation.CommandOutcome} for each QMP command (timeouts feed
 *       MONITOR_UNRESPONSIVE).
 *   <li>When {@link #confirmationTarget()} names an AP: classify {@code info registers} for it
 *       ({@code policy.classifyHmp("info registers", OptionalInt.of(ap))}), ask {@link
 *       #requestIntrusion}, and only if allowed run HMP {@code info registers} with {@code
 *       cpu-index} = ap, parse it with {@link X86RegistersParser}, feed {@link
 *       Observation.Registers}, and close the decision.
 *   <li>Feed every other register sample (the agent's sampler) as {@link Observation.Registers}
 *       too: BOOT_STALLED_IN_FIRMWARE needs the BSP's, and any vCPU's may show an OS.
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
   * The vCPU whose registers would decide AP_STUCK_IN_RESET, if any: a suspected AP (to confirm
   * it), or, after a late or missing baseline, an AP that has shown no exits while the BSP spun for
   * {@code suspectAfter} but may merely be parked (to verify it before anything is raised). Reading
   * that AP is allowed even in STARTUP: it has not run for that long while the BSP waited, so any
   * INIT it was sent is already lost.
   */
  OptionalInt confirmationTarget();

  /**
   * Whether the current boot still waits for its baseline: since the RESET (or the watch's start)
   * no poll carried KVM counters for every vCPU. While true, APs are not judged: poll at once; the
   * {@code query-stats} read is admitted regardless of the kick rate limit (decision code {@code
   * baseline}).
   */
  boolean awaitingBaseline();

  /**
   * Whether polls should carry KVM counters even though the VM is STEADY: the boot has not ended
   * (its BSP never halted and no OS was seen), so BOOT_STALLED_IN_FIRMWARE still counts its halts.
   */
  boolean wantsCounters();

  /**
   * vCPUs outside the boot (hot-plugged or re-threaded after the baseline) that have not run yet:
   * they are in STARTUP whatever {@link #phase()} says, and nothing may synchronize them.
   */
  Set<Integer> startingVcpus();

  /** How the current boot's baseline was obtained; report it (metric, API, log). */
  BaselineQuality baselineQuality();

  /**
   * Asks to run a classified command now. Denied with a reason when the phase or rate limits forbid
   * it; when allowed, close the decision after the command completes.
   */
  IntrusionDecision requestIntrusion(Intrusion intrusion);
}
