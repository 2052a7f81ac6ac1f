package org.qmpsentinel.qmp;

import java.util.Map;

/**
 * KVM's counters of one vCPU from {@code query-stats} (target {@code vcpu}, provider {@code kvm}):
 * cumulative since the vCPU was created, e.g. {@code exits}, {@code halt_exits}, {@code
 * signal_exits}. Only scalar numeric stats are kept; histograms and booleans are dropped.
 */
public record VcpuStats(String qomPath, Map<String, Long> counters) {
  public VcpuStats {
    counters = Map.copyOf(counters);
  }

  /** The counter's value, or -1 when absent. */
  public long counter(String name) {
    return counters.getOrDefault(name, -1L);
  }
}
