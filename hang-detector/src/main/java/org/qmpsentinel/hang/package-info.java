/**
 * Pure detection logic for qmp-sentinel: no I/O to QEMU, no Spring, no Netty.
 *
 * <p>The agent feeds one {@link org.qmpsentinel.hang.VmWatch} per VM with {@link
 * org.qmpsentinel.hang.Observation}s (lifecycle events, run states, per-vCPU samples) and gets
 * {@link org.qmpsentinel.hang.HangEvent}s back. Before it sends anything that could synchronize
 * vCPU state it asks the same watch ({@link org.qmpsentinel.hang.VmWatch#requestIntrusion}), which
 * applies the {@link org.qmpsentinel.hang.IntrusionPolicy} for the VM's current {@link
 * org.qmpsentinel.hang.Phase}. Time comes from an injected {@link org.qmpsentinel.hang.Ticker}, so
 * everything here is deterministic under test.
 *
 * <h2>Boot baselines</h2>
 *
 * <p>AP_STUCK_IN_RESET asks "has this AP entered the guest since the boot began?". KVM's per-vCPU
 * counters are cumulative since vCPU creation and survive {@code system_reset}, so after a RESET
 * the answer is a comparison with a <em>baseline</em>: the counters read for every vCPU by the
 * first poll <em>sent</em> after the RESET that carries them. Until one comes the boot is {@link
 * org.qmpsentinel.hang.BaselineQuality#PENDING} ({@link
 * org.qmpsentinel.hang.VmWatch#awaitingBaseline()}): nothing is judged, a poll without counters
 * never stands in for one (no default of 0), and the {@code query-stats} read is admitted past the
 * kick rate limit (decision code {@code baseline}) so that the agent, polling at once, gets it. A
 * poll sent before the RESET and answered after it is ignored: its counters may predate the reset.
 * Before any RESET the baseline is zero, the value at vCPU creation ({@link
 * org.qmpsentinel.hang.BaselineQuality#ABSOLUTE}). A VM that never shows KVM counters (TCG, QEMU
 * &lt; 7.1) uses thread CPU time instead, with LOW confidence.
 *
 * <p>A baseline can be read after the firmware already woke the APs; a parked AP (ran, then {@code
 * cli; hlt}) then shows no exits since the baseline, exactly like a stuck one. How soon is too late
 * depends on the host: on this project's nested KVM hosts, where real-mode firmware is emulated
 * instruction by instruction, the first AP ran 343–972 ms after {@code system_reset} (20 resets of
 * QEMU 7.2 with SeaBIOS, -smp 2 and 4, query-stats polled every 2–20 ms) and SeaBIOS reported its
 * CPUs 0.25–0.9 s after {@code cont} in the fixture; but SeaBIOS's whole POST, firmware start to
 * boot, was measured at 11–24 ms on bare-metal KVM hosts (reported on the SeaBIOS list, 2018), and
 * smp_scan runs early in it. No grace period is therefore safely "before smp_scan" everywhere, and
 * the baseline's timing never proves anything. {@link
 * org.qmpsentinel.hang.DetectorSettings#baselineGrace()} (250 ms, below every AP wake measured
 * here) only grades it: {@link org.qmpsentinel.hang.BaselineQuality#TIMELY} when read within the
 * grace after the RESET, {@link org.qmpsentinel.hang.BaselineQuality#LATE} after it, or when the
 * first post-reset polls had no counters (a missing baseline is a late one). Report it: a VM whose
 * boots keep getting LATE baselines has a starved or slow agent.
 *
 * <p>What decides is evidence per AP. An AP is <em>proven</em> not to have run since the RESET when
 * its {@code exits} did not move between the last sample before the RESET (kept for this) and the
 * baseline, or when its registers were read at the reset vector; under an absolute baseline every
 * AP is. Proven APs are judged as always: SUSPECTED after {@code suspectAfter} of the stuck
 * signature (the AP without exits, the BSP exiting without halting), CONFIRMED by a register read
 * or after {@code confirmAfter} more. The other APs are <em>ambiguous</em> and never raise anything
 * from counters: when the signature has held for {@code suspectAfter} with only ambiguous APs,
 * {@link org.qmpsentinel.hang.VmWatch#confirmationTarget()} names one (the lowest index not yet
 * read), the policy admits that single register read as for any confirmation, and the detector
 * raises SUSPECTED and CONFIRMED together only if it shows the reset vector (EIP 0000fff0, CS f000
 * base ffff0000); elsewhere the AP has run since the reset and is cleared, and the next ambiguous
 * AP is named. So a late or missing baseline gives no false alarm (a parked AP is read, not
 * reported) and no blindness for the rest of the boot (a stuck AP is read and reported), at the
 * price of one register read per ambiguous AP while the BSP spins. In a reset loop of hung boots
 * the stuck APs' exits never move, so they are proven and found from counters alone; after the
 * reset of a guest whose APs were busy they are found by the read. The read synchronizes that AP;
 * it is safe because the AP has shown no exits for {@code suspectAfter} while the BSP spun, so no
 * firmware INIT can still be pending on it. The one residual case is a guest OS sending a parked AP
 * its INIT in the very milliseconds of the read, after its BSP spun for {@code suspectAfter}
 * without halting.
 */
@NullMarked
package org.qmpsentinel.hang;

import org.jspecify.annotations.NullMarked;
