package org.qmpsentinel.agent.supervisor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.VcpuSample;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.qmp.CpuInfoFast;
import org.qmpsentinel.qmp.VcpuStats;

/**
 * Turns one poll's replies into the detector's samples and the snapshot's vCPU rows: host CPU time
 * of each vCPU thread from procfs, KVM counters matched by QOM path (never by order), and the
 * utilization since the previous poll. Confined to the VM's executor.
 */
final class VcpuSampler {

  /** The detector's view and the operator's view of the same poll. */
  record Sampled(List<VcpuSample> samples, List<VmSnapshot.Vcpu> rows) {}

  private final ProcThreads proc;
  private final Map<Integer, CpuReading> lastCpu = new HashMap<>();

  private record CpuReading(long cpuNanos, long atNanos) {}

  VcpuSampler(ProcThreads proc) {
    this.proc = proc;
  }

  Sampled sample(List<CpuInfoFast> cpus, Optional<List<VcpuStats>> stats, long pid, long nowNanos) {
    Map<String, Map<String, Long>> byQomPath = new HashMap<>();
    stats.ifPresent(list -> list.forEach(s -> byQomPath.put(s.qomPath(), s.counters())));
    List<VcpuSample> samples = new ArrayList<>(cpus.size());
    List<VmSnapshot.Vcpu> rows = new ArrayList<>(cpus.size());
    for (CpuInfoFast cpu : cpus) {
      OptionalLong cpuNanos =
          pid > 0 ? proc.cpuTimeNanos(pid, cpu.threadId()) : OptionalLong.empty();
      Map<String, Long> counters = byQomPath.get(cpu.qomPath());
      samples.add(
          new VcpuSample(
              cpu.cpuIndex(),
              cpu.threadId(),
              cpuNanos,
              Optional.ofNullable(counters).map(KvmCounters::new)));
      rows.add(
          new VmSnapshot.Vcpu(
              cpu.cpuIndex(),
              cpu.threadId(),
              cpu.qomPath(),
              cpuNanos.orElse(0) / 1e9,
              utilization(cpu.cpuIndex(), cpuNanos, nowNanos),
              counters == null ? -1 : counters.getOrDefault("exits", -1L)));
    }
    return new Sampled(samples, rows);
  }

  private double utilization(int index, OptionalLong cpuNanos, long now) {
    if (cpuNanos.isEmpty()) {
      return -1;
    }
    CpuReading before = lastCpu.put(index, new CpuReading(cpuNanos.getAsLong(), now));
    if (before == null || now <= before.atNanos()) {
      return -1;
    }
    double share = (double) (cpuNanos.getAsLong() - before.cpuNanos()) / (now - before.atNanos());
    return Math.max(0, Math.min(1, share));
  }

  /** A new connection may mean new vCPU threads: utilization starts over. */
  void forget() {
    lastCpu.clear();
  }
}
