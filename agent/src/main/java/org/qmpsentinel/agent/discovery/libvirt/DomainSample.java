package org.qmpsentinel.agent.discovery.libvirt;

import java.util.List;
import org.qmpsentinel.hang.Observation.VcpuSample;

/**
 * One domain's part of one stats call, in the detector's terms.
 *
 * @param sentAtNanos when the call was sent (its counters were read no earlier)
 * @param atNanos when its reply was in (its counters were read no later)
 * @param running whether libvirt reports the domain running ({@code state.state} 1 or 2)
 * @param runState QEMU's word for the state where one exists ({@code running}, {@code paused},
 *     {@code io-error}, {@code guest-panicked}, ...), so the detector's run-state rules apply as
 *     they do to {@code query-status}
 * @param vcpus every vCPU libvirt reported, empty when the call asked for the state only
 * @param kvmCounters whether every vCPU carried KVM's {@code exits} and {@code halt_exits}
 */
public record DomainSample(
    long sentAtNanos,
    long atNanos,
    boolean running,
    String runState,
    List<VcpuSample> vcpus,
    boolean kvmCounters) {
  public DomainSample {
    vcpus = List.copyOf(vcpus);
  }
}
