package org.qmpsentinel.hang.internal.detect;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.qmpsentinel.hang.Observation.VcpuPoll;
import org.qmpsentinel.hang.Observation.VcpuSample;

/**
 * Per-vCPU counters relative to the current boot (VM start or the last RESET). KVM's counters and
 * thread CPU time are cumulative since the vCPU thread was created and survive system_reset, so
 * "has this vCPU run since the boot began?" is a comparison with a baseline:
 *
 * <ul>
 *   <li>no RESET seen yet: the baseline is zero — a vCPU whose {@code exits} is still 0 has never
 *       entered the guest since it was created;
 *   <li>after a RESET: the first poll after it. Not the last poll before it: whatever the APs did
 *       between that poll and the reset would count as "ran" and hide a stuck AP. The agent polls
 *       immediately when it sees RESET, so this baseline is taken before the firmware wakes APs.
 * </ul>
 *
 * vCPUs that first appear after the boot's first poll (hot-plugged) are not part of the boot and
 * are never judged.
 */
public final class VcpuLedger {

  /** Below this much thread CPU time since boot a vCPU counts as never having run (schedstat). */
  static final long RAN_CPU_NANOS = 2_000_000L;

  /** One vCPU's reference point. */
  record Baseline(long exits, long haltExits, long cpuNanos, boolean absolute) {}

  private final Map<Integer, Baseline> baselines = new TreeMap<>();
  private final Map<Integer, VcpuSample> latest = new HashMap<>();
  private final Map<Integer, VcpuSample> previous = new HashMap<>();
  private boolean resetPending;
  private boolean bootStarted;
  private int bsp = -1;

  /** A RESET: the next boot starts now; its first poll becomes the baseline. */
  public void reset() {
    baselines.clear();
    latest.clear();
    previous.clear();
    bootStarted = false;
    resetPending = true;
  }

  public void record(VcpuPoll poll) {
    previous.clear();
    previous.putAll(latest);
    Set<Integer> seen = new java.util.HashSet<>();
    for (VcpuSample s : poll.vcpus()) {
      seen.add(s.cpuIndex());
      VcpuSample before = latest.get(s.cpuIndex());
      if (before != null && wentBackwards(before, s)) {
        // A new thread for this index (vCPU unplugged and replugged) or a counter that went
        // backwards: this is no longer the vCPU the boot started with, so, like a hot-plugged
        // one, it is not judged until the next reset.
        baselines.remove(s.cpuIndex());
      }
      latest.put(s.cpuIndex(), s);
    }
    latest.keySet().retainAll(seen);
    baselines.keySet().retainAll(seen);
    if (!bootStarted) {
      // First poll of this boot: the vCPUs present now are the boot's vCPUs; the lowest index is
      // the BSP.
      bsp = -1;
      for (VcpuSample s : poll.vcpus()) {
        baselines.put(s.cpuIndex(), resetPending ? baselineOf(s, false) : absoluteZero());
        bsp = bsp < 0 ? s.cpuIndex() : Math.min(bsp, s.cpuIndex());
      }
      bootStarted = true;
      resetPending = false;
    }
  }

  private static boolean wentBackwards(VcpuSample before, VcpuSample now) {
    if (before.threadId() != now.threadId()) {
      return true;
    }
    if (before.kvm() != null
        && now.kvm() != null
        && now.kvm().get("exits") < before.kvm().get("exits")) {
      return true;
    }
    return before.cpuTimeNanos().isPresent()
        && now.cpuTimeNanos().isPresent()
        && now.cpuTimeNanos().getAsLong() < before.cpuTimeNanos().getAsLong();
  }

  private static Baseline baselineOf(VcpuSample s, boolean absolute) {
    long exits = s.kvm() == null ? 0 : s.kvm().get("exits");
    long halts = s.kvm() == null ? 0 : s.kvm().get("halt_exits");
    return new Baseline(exits, halts, s.cpuTimeNanos().orElse(0), absolute);
  }

  private static Baseline absoluteZero() {
    return new Baseline(0, 0, 0, true);
  }

  /** The boot CPU: the lowest-index vCPU of the boot's first poll; -1 before it. */
  public int bsp() {
    return bsp;
  }

  /** The vCPUs of this boot still judged, in index order. */
  public Set<Integer> bootVcpus() {
    return baselines.keySet();
  }

  public boolean hasKvmStats() {
    return !latest.isEmpty() && latest.values().stream().allMatch(s -> s.kvm() != null);
  }

  /** KVM exits since the boot began; -1 without KVM stats. */
  public long exitsSinceBoot(int cpu) {
    VcpuSample s = latest.get(cpu);
    Baseline b = baselines.get(cpu);
    if (s == null || b == null || s.kvm() == null) {
      return -1;
    }
    return s.kvm().get("exits") - b.exits();
  }

  /** Thread CPU nanoseconds since the boot began; -1 when unreadable. */
  public long cpuNanosSinceBoot(int cpu) {
    VcpuSample s = latest.get(cpu);
    Baseline b = baselines.get(cpu);
    if (s == null || b == null || s.cpuTimeNanos().isEmpty()) {
      return -1;
    }
    return s.cpuTimeNanos().getAsLong() - b.cpuNanos();
  }

  /** Whether the vCPU has entered the guest since the boot began. */
  public boolean ranSinceBoot(int cpu) {
    long exits = exitsSinceBoot(cpu);
    if (exits >= 0) {
      return exits > 0;
    }
    long cpuNanos = cpuNanosSinceBoot(cpu);
    return cpuNanos < 0 || cpuNanos >= RAN_CPU_NANOS; // unreadable: never claim "stuck"
  }

  /** Change of a KVM counter between the previous poll and this one; -1 if unknown. */
  public long kvmDelta(int cpu, String counter) {
    VcpuSample now = latest.get(cpu);
    VcpuSample before = previous.get(cpu);
    if (now == null || before == null || now.kvm() == null || before.kvm() == null) {
      return -1;
    }
    return now.kvm().get(counter) - before.kvm().get(counter);
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

  public boolean hasPrevious() {
    return !previous.isEmpty();
  }
}
