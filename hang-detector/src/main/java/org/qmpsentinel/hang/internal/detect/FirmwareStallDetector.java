package org.qmpsentinel.hang.internal.detect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.Evidence.Confidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.X86Registers;
import org.qmpsentinel.hang.internal.detect.VcpuLedger.Source;

/**
 * BOOT_STALLED_IN_FIRMWARE: the boot CPU has not halted once since the boot began (RESET or process
 * start), for far longer than a boot takes, while every sample of its registers is in firmware and
 * every AP has run — OVMF's {@code WaitApWakeup()} spinning on a flag no AP will set (reported on
 * KVM: BSP {@code halt_exits == 0}, RIP in a 0x60-byte window, domain running).
 *
 * <p>All of these must hold, at every poll, for SUSPECTED; CONFIRMED after half the threshold
 * again:
 *
 * <ol>
 *   <li>The VM has two or more boot vCPUs and every AP has entered the guest since the boot began
 *       (an AP that never ran is AP_STUCK_IN_RESET's, never this detector's; a single-vCPU VM has
 *       no AP to wait for, so {@code -smp 1} firmware that spins never fires).
 *   <li>The BSP never halted since the boot began: KVM's {@code halt_exits} unchanged since the
 *       baseline; without KVM counters (TCG), its thread used more than half a host CPU in every
 *       poll. No register sample of it showed {@code HLT=1}.
 *   <li>At least {@value #MIN_BSP_SAMPLES} BSP register samples in this boot, none of them an OS
 *       (below), and either every one in real mode or at CS base ffff0000, or all their linear
 *       instruction addresses below 4 GiB and within {@value #RIP_WINDOW} bytes of each other.
 *   <li>No register sample of any vCPU in this boot looks like an OS: long mode with RIP in the
 *       upper canonical half, or paged protected mode at or above 0xc0000000.
 *   <li>The VM has been running, since the boot began, longer than {@code firmwareStallAfter}
 *       (default 120 s) and than {@value #PREVIOUS_BOOT_FACTOR} times the longest earlier boot this
 *       watch saw (a boot "ends" when the BSP first halts or an OS is seen). Paused time does not
 *       count, so a VM started with {@code -S} and never continued never fires.
 * </ol>
 *
 * Any halt of the BSP or OS sign ends the boot for this detector (and resolves a raised hang); so
 * do RESET, shutdown and a new process.
 *
 * <p><b>Known misses</b> (precision first):
 *
 * <ul>
 *   <li>Firmware that stalls with the BSP halting now and then (a wait loop with {@code hlt} and a
 *       timer), or that stalls after the BSP has halted once in this boot.
 *   <li>A stall whose BSP spins across more than {@value #RIP_WINDOW} bytes in protected or long
 *       mode (e.g. a DXE driver looping through many functions), or at addresses above 4 GiB.
 *   <li>A stall where an AP never ran (e.g. an AP that got INIT-SIPI-SIPI while in SMM): left to
 *       AP_STUCK_IN_RESET, which sees only APs whose KVM exits never moved.
 *   <li>VMs whose BSP registers are never sampled (the sampler off, or every read refused) — no
 *       register evidence, no alarm — and TCG VMs whose thread CPU time is unreadable.
 *   <li>Boots shorter than the threshold or than five times the VM's longest earlier boot; and the
 *       part of a boot before the agent connected (running time counts from the first poll).
 * </ul>
 */
public final class FirmwareStallDetector {
  static final int MIN_BSP_SAMPLES = 3;
  static final long RIP_WINDOW = 0x1000;
  static final int PREVIOUS_BOOT_FACTOR = 5;
  private static final double BSP_BUSY_SHARE = 0.5;
  private static final long FOUR_GIB = 0x1_0000_0000L;

  private final Duration stallAfter;
  private final Ticker ticker;
  private final VcpuLedger ledger;
  private final HangTracker tracker;
  private long longestBootNanos = -1;

  // This boot.
  private boolean ended;
  private long runNanos;
  private long lastPollNanos = Long.MIN_VALUE;
  private boolean lastRunning;
  private boolean bspBusyEveryPoll = true;
  private int bspSamples;
  private boolean bspAllFirmwareMode = true;
  private long minLinear = Long.MAX_VALUE;
  private long maxLinear = Long.MIN_VALUE;
  private @Nullable Instant since;

  public FirmwareStallDetector(
      Duration stallAfter, Ticker ticker, VcpuLedger ledger, HangTracker tracker) {
    this.stallAfter = stallAfter;
    this.ticker = ticker;
    this.ledger = ledger;
    this.tracker = tracker;
  }

  /**
   * Whether the poll should carry KVM counters although the VM is STEADY: the boot has not ended
   * (no BSP halt, no OS seen) in a VM with APs, so the BSP's halts still need counting.
   */
  public boolean wantsCounters() {
    return !ended && ledger.bootVcpus().size() >= 2;
  }

  /** A new boot (RESET, new process): forget this boot, keep the history of earlier ones. */
  public Optional<HangEvent> newBoot(String why) {
    Optional<HangEvent> e = resolve(why);
    ended = false;
    runNanos = 0;
    lastPollNanos = Long.MIN_VALUE;
    lastRunning = false;
    bspBusyEveryPoll = true;
    bspSamples = 0;
    bspAllFirmwareMode = true;
    minLinear = Long.MAX_VALUE;
    maxLinear = Long.MIN_VALUE;
    since = null;
    return e;
  }

  public Optional<HangEvent> resolve(String why) {
    return tracker.resolve(new Evidence(Confidence.HIGH, why, Map.of()));
  }

  /** Evaluates the poll just recorded in the ledger. */
  public List<HangEvent> onPoll(long nowNanos, boolean running) {
    List<HangEvent> events = new ArrayList<>();
    if (lastPollNanos != Long.MIN_VALUE && running && lastRunning) {
      runNanos += Math.max(0, nowNanos - lastPollNanos);
    }
    lastPollNanos = nowNanos;
    lastRunning = running;
    if (ended || !running || ledger.awaitingBaseline()) {
      return events;
    }
    int bsp = ledger.bsp();
    if (bspHalted(bsp)) {
      endBoot("the boot CPU halted", events);
      return events;
    }
    Set<Integer> vcpus = ledger.bootVcpus();
    boolean apsAllRan =
        vcpus.size() >= 2 && vcpus.stream().allMatch(v -> v == bsp || ledger.ranSinceBoot(v));
    if (!apsAllRan || !bspInFirmware()) {
      return events; // not this pattern (yet); a raised hang keeps its state until the boot ends
    }
    long threshold = threshold();
    if (runNanos < threshold) {
      return events;
    }
    if (since == null) {
      since = ticker.wallTime();
    }
    Evidence evidence = evidence(bsp, threshold);
    Instant from = since != null ? since : ticker.wallTime();
    if (!tracker.active()) {
      tracker.suspect(evidence, from).ifPresent(events::add);
    } else if (tracker.state() == HangState.SUSPECTED && runNanos >= threshold + threshold / 2) {
      tracker.confirm(evidence, from).ifPresent(events::add);
    }
    return events;
  }

  /** Registers of any vCPU, read with the policy's permission (sampler or confirmation). */
  public List<HangEvent> onRegisters(int cpu, X86Registers r) {
    List<HangEvent> events = new ArrayList<>();
    if (ended) {
      return events;
    }
    if (looksLikeOs(r)) {
      endBoot("vCPU " + cpu + " runs an operating system", events);
      return events;
    }
    if (cpu != ledger.bsp() || ledger.awaitingBaseline()) {
      return events;
    }
    if (r.halted()) {
      endBoot("the boot CPU halted", events);
      return events;
    }
    bspSamples++;
    boolean firmwareMode = r.mode() == X86Registers.CpuMode.REAL || r.csBase() == 0xffff0000L;
    bspAllFirmwareMode &= firmwareMode;
    long linear = r.linearIp();
    minLinear = Math.min(minLinear, linear);
    maxLinear = Math.max(maxLinear, linear);
    return events;
  }

  private void endBoot(String why, List<HangEvent> events) {
    ended = true;
    longestBootNanos = Math.max(longestBootNanos, runNanos);
    resolve(why).ifPresent(events::add);
  }

  private boolean bspHalted(int bsp) {
    if (ledger.source() == Source.KVM) {
      return ledger.kvmSinceBoot(bsp, "halt_exits") > 0;
    }
    if (ledger.evaluable() && lastPollNanos != Long.MIN_VALUE) {
      long cpu = ledger.cpuDelta(bsp);
      long span = lastPollNanos - ledger.deltaFromNanos();
      if (cpu < 0 || span <= 0 || cpu < BSP_BUSY_SHARE * span) {
        bspBusyEveryPoll = false; // idle (or unknown) for a poll: it may have halted
      }
    }
    return !bspBusyEveryPoll;
  }

  private boolean bspInFirmware() {
    if (bspSamples < MIN_BSP_SAMPLES) {
      return false;
    }
    boolean narrow = minLinear >= 0 && maxLinear < FOUR_GIB && maxLinear - minLinear <= RIP_WINDOW;
    return bspAllFirmwareMode || narrow;
  }

  /** Long mode in the kernel half, or paged protected mode at 3 GiB and above: an OS. */
  static boolean looksLikeOs(X86Registers r) {
    return switch (r.mode()) {
      case LONG -> r.linearIp() < 0; // bit 63 set: the upper canonical half
      case PROTECTED ->
          r.cr0() >= 0
              && (r.cr0() & 0x8000_0000L) != 0
              && r.linearIp() >= 0xc000_0000L
              && r.csBase() != 0xffff0000L;
      default -> false;
    };
  }

  private long threshold() {
    long floor = stallAfter.toNanos();
    return longestBootNanos < 0 ? floor : Math.max(floor, PREVIOUS_BOOT_FACTOR * longestBootNanos);
  }

  private Evidence evidence(int bsp, long threshold) {
    Map<String, Object> f = new LinkedHashMap<>();
    boolean kvm = ledger.source() == Source.KVM;
    f.put("source", kvm ? "kvm_stats" : "schedstat");
    f.put("bsp", bsp);
    f.put("running_seconds", runNanos / 1_000_000_000L);
    f.put("threshold_seconds", threshold / 1_000_000_000L);
    f.put(
        "longest_earlier_boot_seconds",
        longestBootNanos < 0 ? -1 : longestBootNanos / 1_000_000_000L);
    if (kvm) {
      f.put("bsp_exits_since_boot", ledger.exitsSinceBoot(bsp));
      f.put("bsp_halt_exits_since_boot", ledger.kvmSinceBoot(bsp, "halt_exits"));
    }
    f.put("bsp_register_samples", bspSamples);
    f.put("bsp_rip_window", String.format("%x-%x", minLinear, maxLinear));
    f.put("bsp_real_mode_or_reset_segment", bspAllFirmwareMode);
    return new Evidence(
        kvm ? Confidence.HIGH : Confidence.LOW,
        String.format(
            "the boot CPU has not halted for %d s of running since the boot began, its registers"
                + " stay in firmware (%d samples, RIP %x-%x), and every AP has run",
            runNanos / 1_000_000_000L, bspSamples, minLinear, maxLinear),
        f);
  }
}
