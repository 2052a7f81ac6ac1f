package org.qmpsentinel.hang.internal.policy;

import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.IntrusionPolicy;

/**
 * QEMU 10.x (Debian 13, RHEL 10), read from Debian's 1:10.0.13+ds-0+deb13u1 source; also the table
 * for any newer version (its unknown commands are SYNCS_ALL_VCPUS like everywhere). Differences
 * from {@link Qemu72IntrusionPolicy}, whose entries hold otherwise — the same paths, moved:
 *
 * <ul>
 *   <li>{@code query-stats} (target vcpu) and HMP {@code info stats}: <b>NON_INTRUSIVE</b>.
 *       accel/kvm/kvm-all.c {@code query_stats_cb} calls {@code query_stats_vcpu(cpu, ...)}
 *       directly on the monitor thread; it reads {@code cpu->kvm_vcpu_stats_fd} (opened once in
 *       {@code kvm_init_vcpu}). No {@code run_on_cpu}, so no kick, no sync (7.2 wrapped the read in
 *       {@code run_on_cpu}).
 *   <li>{@code info registers}, {@code x}/{@code xp}, {@code gva2gpa}: monitor/misc.c's code moved
 *       to monitor/hmp-cmds-target.c; {@code hmp_info_registers} still calls {@code cpu_dump_state}
 *       (hw/core/cpu-common.c: {@code cpu_synchronize_state} first) on CPU N, the monitor's CPU
 *       ({@code mon_get_cpu} → {@code mon_get_cpu_sync(mon, true)} → {@code cpu_synchronize_state})
 *       or every CPU with {@code -a}; {@code memory_dump} still calls {@code mon_get_cpu} first,
 *       for {@code xp} too. Unchanged levels.
 *   <li>{@code print $reg}: monitor/hmp-target.c {@code get_monitor_def} → {@code mon_get_cpu}.
 *   <li>{@code info lapic}: moved to target/i386/cpu-apic.c {@code hmp_info_local_apic}; with an
 *       APIC id it now calls {@code cpu_synchronize_state} on {@code cpu_by_arch_id} explicitly —
 *       one vCPU, not known by cpu-index, as before.
 *   <li>{@code memsave}: system/cpus.c {@code qmp_memsave} → system/physmem.c {@code
 *       cpu_memory_rw_debug} → {@code cpu_synchronize_state}. {@code dump-guest-memory}:
 *       dump/dump.c {@code dump_init} → {@code cpu_synchronize_all_states}. {@code stop}: kvmclock
 *       (hw/i386/kvm/clock.c {@code kvmclock_current_nsec}) syncs {@code first_cpu} only.
 *   <li>HMP {@code info cryptodev} is new (backends/cryptodev-hmp-cmds.c → {@code
 *       qmp_query_cryptodev}: QEMU-side state only); {@code info profile}, {@code info rdma} and
 *       {@code singlestep} are gone from hmp-commands-info.hx / hmp-commands.hx, so they are
 *       unknown (SYNCS_ALL_VCPUS).
 * </ul>
 */
public final class Qemu10IntrusionPolicy implements IntrusionPolicy {
  private static final Set<String> GONE_INFO = Set.of("profile", "rdma");

  private final IntrusionPolicy base = new Qemu72IntrusionPolicy();
  private final String name;

  public Qemu10IntrusionPolicy() {
    this("qemu-10.x");
  }

  /** The 10.x table under another name (for a version newer than any table). */
  public Qemu10IntrusionPolicy(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Intrusion classifyQmp(String command, Map<String, Object> arguments) {
    String c = command.trim();
    if (c.equals("query-stats")) {
      return new Intrusion(
          c,
          IntrusionLevel.NON_INTRUSIVE,
          OptionalInt.empty(),
          "query_stats_vcpu reads kvm_vcpu_stats_fd from the monitor thread: no run_on_cpu");
    }
    if (c.equals("human-monitor-command")) {
      Object line = arguments.get("command-line");
      return classifyHmp(
          line == null ? "" : line.toString(), Qemu72IntrusionPolicy.cpuIndex(arguments));
    }
    return base.classifyQmp(command, arguments);
  }

  @Override
  public Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex) {
    HmpWords w = HmpWords.of(commandLine);
    String topic = w.infoTopic();
    if (topic.equals("stats")) {
      return harmless(w, "hmp_info_stats -> qmp_query_stats: stats fds, no run_on_cpu");
    }
    if (topic.equals("cryptodev")) {
      return harmless(w, "qmp_query_cryptodev: QEMU-side state only");
    }
    if (GONE_INFO.contains(topic) || w.command().equals("singlestep")) {
      return new Intrusion(
          w.display(),
          IntrusionLevel.SYNCS_ALL_VCPUS,
          OptionalInt.empty(),
          "not an HMP command in 10.x: unknown, assumed to sync all");
    }
    return base.classifyHmp(commandLine, cpuIndex);
  }

  private static Intrusion harmless(HmpWords w, String why) {
    return new Intrusion(w.display(), IntrusionLevel.NON_INTRUSIVE, OptionalInt.empty(), why);
  }
}
