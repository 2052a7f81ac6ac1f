package org.qmpsentinel.agent.supervisor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.X86Registers;

/**
 * What the agent currently knows about one VM; immutable, replaced after every poll.
 *
 * @param baseline how the current boot's counter baseline was read (PENDING until it is)
 * @param eventsDropped lifecycle events dropped because the monitor flooded them
 * @param registers the latest register sample of each sampled vCPU, by cpu-index; left out of this
 *     record's JSON ({@code /api/v1/vms} stays lean), served formatted by {@code
 *     /api/v1/vms/{id}/registers}
 */
public record VmSnapshot(
    String key,
    String name,
    String uuid,
    String endpoint,
    String source,
    long pid,
    boolean connected,
    boolean running,
    String runState,
    Phase phase,
    String qemuVersion,
    boolean kvm,
    boolean kvmStats,
    List<Vcpu> vcpus,
    List<HangEvent> activeHangs,
    BaselineQuality baseline,
    long eventsDropped,
    Instant lastPoll,
    @JsonIgnore List<RegisterSample> registers) {

  public VmSnapshot {
    vcpus = List.copyOf(vcpus);
    activeHangs = List.copyOf(activeHangs);
    registers = List.copyOf(registers);
  }

  /**
   * One vCPU's latest {@code info registers}, parsed.
   *
   * @param at when its reply arrived
   */
  public record RegisterSample(int cpuIndex, Instant at, X86Registers registers) {}

  /**
   * One vCPU.
   *
   * @param cpuSeconds cumulative host CPU time of its thread
   * @param utilization share of one host CPU over the last poll interval (0..1), -1 if unknown
   * @param exits KVM exits since vCPU creation, -1 without KVM stats
   */
  public record Vcpu(
      int index,
      long threadId,
      String qomPath,
      double cpuSeconds,
      double utilization,
      long exits) {}
}
