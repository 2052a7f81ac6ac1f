package org.qmpsentinel.hang.internal.detect;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.VcpuPoll;
import org.qmpsentinel.hang.Observation.VcpuSample;

/**
 * Per-vCPU counters relative to the current boot (process start or the last RESET). KVM's counters
 * and thread CPU time are cumulative since the vCPU thread was created and survive system_reset, so
 * "has this AP run since the boot began?" is a comparison with a baseline.
 *
 * <h2>Baselines</h2>
 *
 * <ul>
 *   <li><b>No RESET seen</b> ({@link BaselineQuality#ABSOLUTE}): the baseline is zero, the
 *       counters' value at vCPU creation — exact, so a vCPU whose {@code exits} is still 0 has
 *       never entered the guest. The first poll fixes the boot's vCPUs. The same holds when every
 *       vCPU thread changed (the QEMU process was replaced under the same identity).
 *   <li><b>After a RESET</b>: the first poll <em>sent</em> after the RESET whose every sample
 *       carries KVM counters. A poll without them (the read was refused or failed) does not
 *       establish it — a missing counter is never taken as 0 — and the boot stays {@link
 *       BaselineQuality#PENDING}, its APs unjudged, until one comes. Only a VM that has never shown
 *       KVM counters (TCG, QEMU &lt; 7.1, stats disabled) takes its baseline from thread CPU time
 *       (schedstat), as LOW-confidence evidence. A poll sent before the RESET and answered after it
 *       is ignored altogether: its counters may predate the reset.
 * </ul>
 *
 * <h2>Which APs the counters can judge</h2>
 *
 * A baseline taken after the firmware woke the APs makes a parked AP (ran, then {@code cli; hlt})
 * look exactly like a stuck one: no exits since the baseline. Timing cannot rule that out — on a
 * bare-metal KVM host SeaBIOS's whole POST takes tens of milliseconds, smp_scan early in it — so an
 * AP counts as <em>proven</em> not to have run since the RESET only on evidence:
 *
 * <ul>
 *   <li>its counter did not move between the last sample before the RESET (kept for this) and the
 *       baseline, from the same vCPU thread: it did not run in between, so the baseline equals its
 *       value at the reset ({@code exits} equal; for schedstat, less than {@link #RAN_CPU_NANOS});
 *   <li>or its registers were read at the reset vector ({@link #markAtResetVector}).
 * </ul>
 *
 * With an {@link BaselineQuality#ABSOLUTE} baseline every AP is proven. The other APs are
 * <em>ambiguous</em>: {@link ApStuckInResetDetector} never reports them from counters alone.
 * Registers read away from the reset vector prove the AP ran since the reset ({@link #markRan}).
 *
 * <p>vCPUs that first appear after the baseline (hot-plugged) or whose thread changes or counters
 * go backwards (re-threaded) are not part of the boot and are never judged.
 */
public final class VcpuLedger {

  /** Below this much thread CPU time since boot a vCPU counts as never having run (schedstat). */
  static final long RAN_CPU_NANOS = 2_000_000L;

  /** Where a boot's evidence comes from. */
  public enum Source {
    /** KVM's per-vCPU {@code exits}/{@code halt_exits} (HIGH confidence). */
    KVM,
    /** Host thread CPU time only (LOW confidence). */
    SCHEDSTAT
  }

  /** What {@link #record} did with a poll. */
  public enum Recorded {
    /** Sent before the latest RESET and answered after it: not used at all. */
    IGNORED,
    RECORDED,
    /** Every vCPU thread changed: a new QEMU process, whose boot starts with this poll. */
    NEW_PROCESS
  }

  /**
   * One vCPU's reference point; {@code exits} is -1 for a schedstat baseline; {@code kvm} holds the
   * counters at the baseline (empty: all zero, or a schedstat baseline).
   */
  private record Baseline(long exits, OptionalLong cpuNanos, Map<String, Long> kvm) {}

  private final Duration grace;

  /** Last sample of each vCPU, whatever it carried, and the one before it. */
  private final Map<Integer, VcpuSample> latest = new HashMap<>();

  private final Map<Integer, VcpuSample> previous = new HashMap<>();

  /**
   * Samples of the last poll (this boot) with KVM counters for every vCPU, and of the one before.
   */
  private Map<Integer, VcpuSample> lastKvm = Map.of();

  private Map<Integer, VcpuSample> prevKvm = Map.of();
  private long latestAtNanos = Long.MIN_VALUE;
  private long previousAtNanos = Long.MIN_VALUE;
  private long lastKvmAtNanos = Long.MIN_VALUE;
  private long prevKvmAtNanos = Long.MIN_VALUE;
  private boolean latestHasKvm;
  private boolean kvmSeen;

  // The current boot.
  private long resetAtNanos = Long.MIN_VALUE; // MIN_VALUE: no RESET seen (process start)
  private Map<Integer, VcpuSample> beforeResetKvm = Map.of();
  private Map<Integer, VcpuSample> beforeReset = Map.of();
  private BaselineQuality quality = BaselineQuality.PENDING;
  private Source bootSource = Source.KVM;
  private final Map<Integer, Baseline> baselines = new TreeMap<>();
  private final Set<Integer> proven = new TreeSet<>();
  private final Set<Integer> ranByRegisters = new TreeSet<>();
  private int bsp = -1;

  /** vCPUs outside the boot's baseline (hot-plugged, re-threaded) seen running: index → thread. */
  private final Map<Integer, Long> lateRan = new HashMap<>();

  public VcpuLedger(Duration baselineGrace) {
    this.grace = baselineGrace;
  }

  /**
   * A RESET observed at {@code atNanos}: the next boot starts now. The last samples before it are
   * kept to prove, at the baseline, which APs have not run since.
   */
  public void reset(long atNanos) {
    // Per vCPU, the newest sample known from before this RESET (possibly from before an earlier
    // one, if no poll came in between): a counter equal there and at the baseline proves the AP
    // did not run in between, whatever lay between.
    beforeResetKvm = merged(beforeResetKvm, lastKvm);
    beforeReset = merged(beforeReset, latest);
    resetAtNanos = atNanos;
    startBoot();
  }

  private static Map<Integer, VcpuSample> merged(
      Map<Integer, VcpuSample> older, Map<Integer, VcpuSample> newer) {
    Map<Integer, VcpuSample> m = new HashMap<>(older);
    m.putAll(newer);
    return Map.copyOf(m);
  }

  private void startBoot() {
    baselines.clear();
    proven.clear();
    ranByRegisters.clear();
    latest.clear();
    previous.clear();
    lastKvm = Map.of();
    prevKvm = Map.of();
    latestHasKvm = false;
    bsp = -1;
    quality = BaselineQuality.PENDING;
  }

  public Recorded record(VcpuPoll poll) {
    if (poll.sentAtNanos() < resetAtNanos) {
      return Recorded.IGNORED;
    }
    Recorded outcome = Recorded.RECORDED;
    if (!latest.isEmpty()
        && poll.vcpus().stream().noneMatch(s -> sameThread(latest.get(s.cpuIndex()), s))) {
      resetAtNanos = Long.MIN_VALUE; // a new process: its counters start from zero again
      beforeResetKvm = Map.of();
      beforeReset = Map.of();
      startBoot();
      outcome = Recorded.NEW_PROCESS;
    }
    previous.clear();
    previous.putAll(latest);
    previousAtNanos = latest.isEmpty() ? Long.MIN_VALUE : latestAtNanos;
    latestAtNanos = poll.atNanos();
    Set<Integer> seen = new HashSet<>();
    for (VcpuSample s : poll.vcpus()) {
      seen.add(s.cpuIndex());
      VcpuSample before = latest.get(s.cpuIndex());
      if (before != null && wentBackwards(before, lastKvm.get(s.cpuIndex()), s)) {
        // A new thread for this index (vCPU unplugged and replugged) or a counter that went
        // backwards: this is no longer the vCPU the boot started with, so, like a hot-plugged
        // one, it is not judged until the next reset.
        baselines.remove(s.cpuIndex());
      }
      latest.put(s.cpuIndex(), s);
    }
    latest.keySet().retainAll(seen);
    baselines.keySet().retainAll(seen);
    latestHasKvm = !poll.vcpus().isEmpty() && poll.vcpus().stream().allMatch(s -> hasKvm(s));
    if (latestHasKvm) {
      kvmSeen = true;
      prevKvm = lastKvm;
      prevKvmAtNanos = lastKvmAtNanos;
      lastKvmAtNanos = poll.atNanos();
      Map<Integer, VcpuSample> now = new HashMap<>();
      poll.vcpus().forEach(s -> now.put(s.cpuIndex(), s));
      lastKvm = now;
    }
    if (quality == BaselineQuality.PENDING) {
      establishBaseline(poll);
    }
    for (VcpuSample s : poll.vcpus()) {
      if (!baselines.containsKey(s.cpuIndex()) && ranSinceCreation(s)) {
        lateRan.put(s.cpuIndex(), s.threadId());
      }
    }
    return outcome;
  }

  /**
   * Counters are cumulative since the vCPU thread was created: any exit or real CPU time is a run.
   */
  private static boolean ranSinceCreation(VcpuSample s) {
    return s.kvm().map(k -> k.get("exits") > 0).orElse(false)
        || s.cpuTimeNanos().orElse(0) >= RAN_CPU_NANOS;
  }

  /**
   * vCPUs of the latest poll that are not part of the boot (hot-plugged after the baseline, or
   * re-threaded) and have not been seen running since their thread was created: they may be waiting
   * for INIT/SIPI, so they are in STARTUP whatever the VM's phase is. Empty while the boot awaits
   * its baseline (the whole VM is in STARTUP then).
   */
  public Set<Integer> startingVcpus() {
    if (quality == BaselineQuality.PENDING) {
      return Set.of();
    }
    Set<Integer> starting = new TreeSet<>();
    for (VcpuSample s : latest.values()) {
      Long ranThread = lateRan.get(s.cpuIndex());
      if (!baselines.containsKey(s.cpuIndex())
          && (ranThread == null || ranThread != s.threadId())) {
        starting.add(s.cpuIndex());
      }
    }
    return starting;
  }

  private void establishBaseline(VcpuPoll poll) {
    if (poll.vcpus().isEmpty()) {
      return;
    }
    if (resetAtNanos == Long.MIN_VALUE) {
      for (VcpuSample s : poll.vcpus()) {
        baselines.put(s.cpuIndex(), new Baseline(0, OptionalLong.of(0), Map.of()));
        proven.add(s.cpuIndex());
      }
      quality = BaselineQuality.ABSOLUTE;
    } else if (latestHasKvm) {
      bootSource = Source.KVM;
      for (VcpuSample s : poll.vcpus()) {
        long exits = exits(s);
        baselines.put(
            s.cpuIndex(),
            new Baseline(
                exits, s.cpuTimeNanos(), s.kvm().map(KvmCounters::values).orElse(Map.of())));
        VcpuSample before = beforeResetKvm.get(s.cpuIndex());
        if (before != null && before.threadId() == s.threadId() && exits(before) == exits) {
          proven.add(s.cpuIndex());
        }
      }
      quality = timeliness(poll);
    } else if (!kvmSeen) {
      bootSource = Source.SCHEDSTAT;
      for (VcpuSample s : poll.vcpus()) {
        baselines.put(s.cpuIndex(), new Baseline(-1, s.cpuTimeNanos(), Map.of()));
        VcpuSample before = beforeReset.get(s.cpuIndex());
        if (before != null
            && before.threadId() == s.threadId()
            && before.cpuTimeNanos().isPresent()
            && s.cpuTimeNanos().isPresent()
            && s.cpuTimeNanos().getAsLong() - before.cpuTimeNanos().getAsLong() < RAN_CPU_NANOS) {
          proven.add(s.cpuIndex());
        }
      }
      quality = timeliness(poll);
    } else {
      return; // KVM counters are known to exist: wait for a poll that has them
    }
    bsp = baselines.keySet().iterator().next(); // the lowest index of the boot's vCPUs
  }

  private BaselineQuality timeliness(VcpuPoll poll) {
    return poll.atNanos() - resetAtNanos <= grace.toNanos()
        ? BaselineQuality.TIMELY
        : BaselineQuality.LATE;
  }

  private static boolean hasKvm(VcpuSample s) {
    return s.kvm().isPresent();
  }

  private static long exits(VcpuSample s) {
    return s.kvm().map(k -> k.get("exits")).orElse(-1L);
  }

  private static boolean sameThread(@Nullable VcpuSample before, VcpuSample now) {
    return before != null && before.threadId() == now.threadId();
  }

  private static boolean wentBackwards(
      VcpuSample before, @Nullable VcpuSample beforeWithKvm, VcpuSample now) {
    if (before.threadId() != now.threadId()) {
      return true;
    }
    if (beforeWithKvm != null
        && beforeWithKvm.threadId() == now.threadId()
        && now.kvm().isPresent()
        && now.kvm().get().get("exits") < exits(beforeWithKvm)) {
      return true;
    }
    return before.cpuTimeNanos().isPresent()
        && now.cpuTimeNanos().isPresent()
        && now.cpuTimeNanos().getAsLong() < before.cpuTimeNanos().getAsLong();
  }

  /** How the current boot's baseline was obtained. */
  public BaselineQuality quality() {
    return quality;
  }

  /** Whether the boot still waits for its baseline (the next poll should carry KVM counters). */
  public boolean awaitingBaseline() {
    return quality == BaselineQuality.PENDING;
  }

  /** The evidence source of the current boot. */
  public Source source() {
    if (quality == BaselineQuality.ABSOLUTE) {
      return kvmSeen ? Source.KVM : Source.SCHEDSTAT;
    }
    return bootSource;
  }

  /**
   * Whether the poll just recorded can be judged: the boot has its baseline and, for a KVM boot,
   * this poll and an earlier one of the boot carried KVM counters (polls without them neither add
   * nor break evidence).
   */
  public boolean evaluable() {
    if (quality == BaselineQuality.PENDING) {
      return false;
    }
    if (source() == Source.KVM) {
      return latestHasKvm && !prevKvm.isEmpty();
    }
    return !previous.isEmpty();
  }

  /**
   * When the poll was taken that this poll's deltas ({@link #kvmDelta}, {@link #cpuDelta}) are
   * measured from; meaningful when {@link #evaluable()}.
   */
  public long deltaFromNanos() {
    return source() == Source.KVM ? prevKvmAtNanos : previousAtNanos;
  }

  /** The boot CPU: the lowest-index vCPU of the boot's baseline; -1 before it. */
  public int bsp() {
    return bsp;
  }

  /** The vCPUs of this boot still judged, in index order. */
  public Set<Integer> bootVcpus() {
    return baselines.keySet();
  }

  /** Whether the AP is proven not to have run between the RESET and the baseline. */
  public boolean proven(int cpu) {
    return proven.contains(cpu);
  }

  /** The AP's registers were read at the reset vector: it has not run since the reset. */
  public void markAtResetVector(int cpu) {
    if (baselines.containsKey(cpu)) {
      proven.add(cpu);
    }
  }

  /** The AP's registers were read away from the reset vector: it has run since the reset. */
  public void markRan(int cpu) {
    ranByRegisters.add(cpu);
  }

  /** KVM exits since the boot's baseline; -1 when unknown. */
  public long exitsSinceBoot(int cpu) {
    VcpuSample s = lastKvm.get(cpu);
    Baseline b = baselines.get(cpu);
    if (s == null || b == null || b.exits() < 0) {
      return -1;
    }
    return exits(s) - b.exits();
  }

  /**
   * A KVM counter's change since the boot's baseline, as of the boot's latest poll with counters;
   * -1 when unknown (no counters in this boot yet, a schedstat boot, or not a vCPU of the boot).
   */
  public long kvmSinceBoot(int cpu, String counter) {
    VcpuSample s = lastKvm.get(cpu);
    Baseline b = baselines.get(cpu);
    if (s == null || b == null || b.exits() < 0 || s.kvm().isEmpty()) {
      return -1;
    }
    return s.kvm().get().get(counter) - b.kvm().getOrDefault(counter, 0L);
  }

  /** Thread CPU nanoseconds since the boot's baseline; -1 when unreadable. */
  public long cpuNanosSinceBoot(int cpu) {
    VcpuSample s = latest.get(cpu);
    Baseline b = baselines.get(cpu);
    if (s == null || b == null || s.cpuTimeNanos().isEmpty() || b.cpuNanos().isEmpty()) {
      return -1;
    }
    return s.cpuTimeNanos().getAsLong() - b.cpuNanos().getAsLong();
  }

  /** Whether the vCPU has entered the guest since the boot's baseline. Unknown counts as yes. */
  public boolean ranSinceBoot(int cpu) {
    if (ranByRegisters.contains(cpu)) {
      return true;
    }
    if (source() == Source.KVM) {
      long exits = exitsSinceBoot(cpu);
      if (exits >= 0) {
        return exits > 0;
      }
    }
    long cpuNanos = cpuNanosSinceBoot(cpu);
    return cpuNanos < 0 || cpuNanos >= RAN_CPU_NANOS; // unreadable: never claim "stuck"
  }

  /** Change of a KVM counter between the boot's last two polls that carried them; -1 if unknown. */
  public long kvmDelta(int cpu, String counter) {
    Optional<KvmCounters> now = Optional.ofNullable(lastKvm.get(cpu)).flatMap(VcpuSample::kvm);
    Optional<KvmCounters> before = Optional.ofNullable(prevKvm.get(cpu)).flatMap(VcpuSample::kvm);
    if (now.isEmpty() || before.isEmpty()) {
      return -1;
    }
    return now.get().get(counter) - before.get().get(counter);
  }

  /** Thread CPU nanoseconds between the previous poll and this one; -1 if unknown. */
  public long cpuDelta(int cpu) {
    VcpuSample now = latest.get(cpu);
    VcpuSample before = previous.get(cpu);
    if (now == null || before == null) {
      return -1;
    }
    OptionalLong a = before.cpuTimeNanos();
    OptionalLong b = now.cpuTimeNanos();
    return a.isPresent() && b.isPresent() ? b.getAsLong() - a.getAsLong() : -1;
  }
}
