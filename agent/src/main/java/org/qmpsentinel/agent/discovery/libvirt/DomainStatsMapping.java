package org.qmpsentinel.agent.discovery.libvirt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.VcpuSample;

/**
 * Turns one domain's bulk-stats parameters into a {@link DomainSample}: {@code state.state} and
 * {@code state.reason} into a run state, {@code vcpu.N.time} (host CPU time of the vCPU thread, ns)
 * and {@code vcpu.N.exits.sum} / {@code vcpu.N.halt_exits.sum} (KVM's counters, which libvirt reads
 * with QEMU's {@code query-stats}, QEMU ≥ 7.1) into the detector's samples.
 *
 * <p>libvirt does not tell vCPU thread ids. The detector only compares them for equality (a new
 * thread means a new vCPU or process), so every vCPU gets the domain's libvirt id, which changes
 * exactly when the QEMU process does.
 */
public final class DomainStatsMapping {
  /** The KVM counters the detector reads, under libvirt's names. */
  static final Map<String, String> COUNTERS =
      Map.of("exits", "exits.sum", "halt_exits", "halt_exits.sum");

  private DomainStatsMapping() {}

  public static DomainSample sample(
      Map<String, Object> params, long threadId, long sentAtNanos, long atNanos) {
    int state = (int) number(params, "state.state").orElse(0);
    int reason = (int) number(params, "state.reason").orElse(0);
    List<VcpuSample> vcpus = new ArrayList<>();
    boolean allCounters = true;
    long current = number(params, "vcpu.current").orElse(0);
    for (int i = 0; i < current; i++) {
      String prefix = "vcpu." + i + ".";
      if (!params.containsKey(prefix + "state")) {
        continue; // offline or unplugged index: libvirt reports no row for it
      }
      Map<String, Long> counters = new HashMap<>();
      COUNTERS.forEach(
          (ours, theirs) -> number(params, prefix + theirs).ifPresent(v -> counters.put(ours, v)));
      boolean complete = counters.size() == COUNTERS.size();
      allCounters &= complete;
      vcpus.add(
          new VcpuSample(
              i,
              threadId,
              number(params, prefix + "time"),
              complete ? Optional.of(new KvmCounters(counters)) : Optional.empty()));
    }
    return new DomainSample(
        sentAtNanos,
        atNanos,
        state == 1 || state == 2,
        runState(state, reason),
        vcpus,
        allCounters && !vcpus.isEmpty());
  }

  /** virDomainState and its reason as QEMU's run-state word. */
  static String runState(int state, int reason) {
    return switch (state) {
      case 1, 2 -> "running";
      case 3 ->
          switch (reason) {
            case 5 -> "io-error"; // VIR_DOMAIN_PAUSED_IOERROR
            case 6 -> "watchdog"; // VIR_DOMAIN_PAUSED_WATCHDOG
            case 8 -> "shutdown"; // VIR_DOMAIN_PAUSED_SHUTTING_DOWN: kept alive after shutdown
            case 10 -> "guest-panicked"; // VIR_DOMAIN_PAUSED_CRASHED
            case 2, 12, 13 -> "postmigrate";
            default -> "paused";
          };
      case 4 -> "shutdown";
      case 5 -> "shutoff";
      case 6 -> "guest-panicked"; // VIR_DOMAIN_CRASHED
      case 7 -> "suspended";
      default -> "unknown";
    };
  }

  private static OptionalLong number(Map<String, Object> params, String key) {
    return params.get(key) instanceof Number n
        ? OptionalLong.of(n.longValue())
        : OptionalLong.empty();
  }
}
