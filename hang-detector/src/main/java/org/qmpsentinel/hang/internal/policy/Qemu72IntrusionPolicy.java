package org.qmpsentinel.hang.internal.policy;

import static org.qmpsentinel.hang.IntrusionLevel.KICKS_VCPUS;
import static org.qmpsentinel.hang.IntrusionLevel.NON_INTRUSIVE;
import static org.qmpsentinel.hang.IntrusionLevel.SYNCS_ALL_VCPUS;
import static org.qmpsentinel.hang.IntrusionLevel.SYNCS_ONE_VCPU;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.IntrusionPolicy;

/**
 * How QEMU 7.2 (x86, KVM) disturbs vCPUs for each monitor command; chosen for 7.0 to 7.2 (only
 * 7.2's source, Debian's 1:7.2+dfsg-7, was read; 7.0 has no {@code query-stats}, which QMP then
 * rejects, so its entry never matters there). "Synchronize" means {@code cpu_synchronize_state()}:
 * KVM_GET_* now and, because the state is then marked dirty, KVM_SET_* (with {@code
 * kvm_put_vcpu_events()}) before the vCPU re-enters the guest — the write-back that loses a latched
 * INIT on SMM-capable hosts. Paths below are in QEMU's source tree.
 *
 * <p>Anything this table does not know is treated as {@link IntrusionLevel#SYNCS_ALL_VCPUS}: a new
 * or unknown command is never assumed harmless.
 */
public final class Qemu72IntrusionPolicy implements IntrusionPolicy {

  /**
   * HMP {@code info} sub-commands that only read QEMU-side state (no mon_get_cpu, no run_on_cpu).
   */
  private static final Set<String> HARMLESS_INFO =
      Set.of(
          "version",
          "network",
          "chardev",
          "block",
          "blockstats",
          "block-jobs",
          "cpus",
          "history",
          "irq",
          "pic",
          "pci",
          "mtree",
          "jit",
          "opcount",
          "sync-profile",
          "kvm",
          "numa",
          "usb",
          "usbhost",
          "profile",
          "capture",
          "snapshots",
          "status",
          "mice",
          "vnc",
          "spice",
          "name",
          "uuid",
          "usernet",
          "migrate",
          "migrate_capabilities",
          "migrate_parameters",
          "balloon",
          "qtree",
          "qdm",
          "qom-tree",
          "roms",
          "trace-events",
          "tpm",
          "memdev",
          "memory-devices",
          "iothreads",
          "ramblock",
          "hotpluggable-cpus",
          "vm-generation-id",
          "memory_size_summary",
          "replay",
          "dump",
          "virtio",
          "virtio-status",
          "virtio-queue-status",
          "virtio-vhost-queue-status",
          "virtio-queue-element");

  /** QMP commands that read or change QEMU-side state only. */
  private static final Set<String> HARMLESS_QMP =
      Set.of(
          "qmp_capabilities",
          "query-status",
          "query-name",
          "query-uuid",
          "query-version",
          "query-kvm",
          "query-cpus-fast",
          "query-commands",
          "query-qmp-schema",
          "query-events",
          "query-hotpluggable-cpus",
          "query-block",
          "query-blockstats",
          "query-chardev",
          "query-machines",
          "query-memdev",
          "query-memory-devices",
          "query-migrate",
          "query-iothreads",
          "query-pci",
          "query-balloon",
          "query-vnc",
          "query-spice",
          "query-mice",
          "query-target",
          "query-cpu-definitions",
          "query-dump",
          "query-memory-size-summary",
          "query-replay",
          "query-stats-schemas",
          "qom-list",
          "qom-get",
          "pmemsave",
          "cont",
          "quit",
          "system_powerdown",
          "system_wakeup");

  @Override
  public String name() {
    return "qemu-7.x";
  }

  @Override
  public Intrusion classifyQmp(String command, Map<String, Object> arguments) {
    String name = command.trim();
    switch (name) {
      case "human-monitor-command":
        Object line = arguments.get("command-line");
        return classifyHmp(line == null ? "" : line.toString(), cpuIndex(arguments));
      case "query-stats":
        // accel/kvm/kvm-all.c query_stats_cb: run_on_cpu(query_stats_vcpu) per vCPU reads the
        // binary stats fd. run_on_cpu kicks the vCPU out of KVM_RUN; nothing marks it dirty.
        return "vcpu".equals(String.valueOf(arguments.get("target")))
            ? intrusion(name, KICKS_VCPUS, "run_on_cpu(query_stats_vcpu): kick, no state sync")
            : intrusion(name, NON_INTRUSIVE, "VM-level stats fd only");
      case "stop":
        // softmmu/cpus.c do_vm_stop: pause_all_vcpus; hw/i386/kvm/clock.c syncs only first_cpu.
        return intrusion(name, KICKS_VCPUS, "pause_all_vcpus; kvmclock syncs only the BSP");
      case "inject-nmi":
        return intrusion(name, KICKS_VCPUS, "NMI delivery interrupts vCPUs; no state sync");
      case "system_reset":
        // softmmu/runstate.c qemu_system_reset syncs all states, then resets them at
        // KVM_PUT_RESET_STATE: every vCPU restarts, so there is no pending INIT to lose.
        return intrusion(name, NON_INTRUSIVE, "full reset: re-initializes every vCPU");
      case "memsave":
        // softmmu/cpus.c qmp_memsave: cpu_memory_rw_debug(cpu) -> cpu_synchronize_state(cpu).
        OptionalInt cpu = cpuIndex(arguments);
        return new Intrusion(
            name,
            SYNCS_ONE_VCPU,
            OptionalInt.of(cpu.orElse(0)),
            "cpu_memory_rw_debug -> cpu_synchronize_state(cpu-index)");
      case "dump-guest-memory":
        return intrusion(name, SYNCS_ALL_VCPUS, "dump/dump.c: cpu_synchronize_all_states()");
      default:
        if (HARMLESS_QMP.contains(name)) {
          return intrusion(name, NON_INTRUSIVE, "QEMU-side state only");
        }
        return intrusion(name, SYNCS_ALL_VCPUS, "not in the table: assumed to sync every vCPU");
    }
  }

  @Override
  public Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex) {
    List<String> words =
        Arrays.stream(commandLine.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    if (words.isEmpty()) {
      return intrusion("", NON_INTRUSIVE, "empty command line does nothing");
    }
    String command = words.get(0).toLowerCase(Locale.ROOT);
    String display = String.join(" ", words);
    // The monitor's current CPU (mon_get_cpu): set per command by human-monitor-command's
    // cpu-index, else the first CPU.
    int current = cpuIndex.orElse(0);
    switch (command) {
      case "info":
      case "i":
        return classifyInfo(display, words, current);
      case "x":
      case "xp":
        // monitor/misc.c memory_dump: `CPUState *cs = mon_get_cpu(mon)` runs first, for xp too
        // (it is only *used* for virtual addresses), and mon_get_cpu synchronizes.
        return syncsOne(display, current, "memory_dump -> mon_get_cpu (also for xp)");
      case "gva2gpa":
        return syncsOne(display, current, "hmp_gva2gpa -> mon_get_cpu");
      case "memsave":
        return syncsOne(display, current, "qmp_memsave -> cpu_memory_rw_debug -> sync");
      case "print":
      case "p":
        // monitor/misc.c get_monitor_def: a $register in the expression calls mon_get_cpu.
        return display.contains("$")
            ? syncsOne(display, current, "get_monitor_def ($reg) -> mon_get_cpu")
            : intrusion(display, NON_INTRUSIVE, "expression without registers");
      case "dump-guest-memory":
        return intrusion(display, SYNCS_ALL_VCPUS, "dump/dump.c: cpu_synchronize_all_states()");
      case "pmemsave":
        return intrusion(display, NON_INTRUSIVE, "qmp_pmemsave: physical memory, no CPU");
      case "stop":
      case "s":
        return intrusion(display, KICKS_VCPUS, "pause_all_vcpus; kvmclock syncs only the BSP");
      case "nmi":
        return intrusion(display, KICKS_VCPUS, "NMI delivery interrupts vCPUs; no state sync");
      case "system_reset":
        return intrusion(display, NON_INTRUSIVE, "full reset: re-initializes every vCPU");
      case "cont":
      case "c":
      case "quit":
      case "q":
      case "help":
      case "?":
      case "system_powerdown":
        return intrusion(display, NON_INTRUSIVE, "no vCPU state involved");
      default:
        return intrusion(display, SYNCS_ALL_VCPUS, "unknown HMP command: assumed to sync all");
    }
  }

  private static Intrusion classifyInfo(String display, List<String> words, int current) {
    String sub = words.size() > 1 ? words.get(1).toLowerCase(Locale.ROOT) : "";
    switch (sub) {
      case "registers":
        // monitor/misc.c hmp_info_registers: -a -> cpu_dump_state() on every CPU, which
        // (hw/core/cpu-common.c) calls cpu_synchronize_state(); `info registers N` -> CPU N;
        // no argument -> mon_get_cpu (the current CPU).
        if (words.size() > 2 && words.get(2).equals("-a")) {
          return intrusion(display, SYNCS_ALL_VCPUS, "cpu_dump_state on every CPU");
        }
        if (words.size() > 2) {
          try {
            int vcpu = Integer.parseInt(words.get(2));
            return syncsOne(display, vcpu, "cpu_dump_state(vcpu N)");
          } catch (NumberFormatException e) {
            return intrusion(display, SYNCS_ALL_VCPUS, "unparsable argument: assume the worst");
          }
        }
        return syncsOne(display, current, "mon_get_cpu + cpu_dump_state");
      case "lapic":
        // target/i386/monitor.c hmp_info_local_apic: mon_get_cpu without an apic-id; with one,
        // cpu_by_arch_id — an APIC id is not a cpu-index, so the vCPU is unknown here.
        return words.size() > 2
            ? new Intrusion(
                display, SYNCS_ONE_VCPU, OptionalInt.empty(), "APIC id does not name a cpu-index")
            : syncsOne(display, current, "hmp_info_local_apic -> mon_get_cpu");
      case "tlb":
      case "mem":
        return syncsOne(display, current, "target/i386/monitor.c: mon_get_cpu_env");
      case "stats":
        // hmp_info_stats -> qmp_query_stats: run_on_cpu per vCPU for target vcpu.
        return words.size() > 2 && words.get(2).equals("vcpu")
            ? intrusion(display, KICKS_VCPUS, "query-stats vcpu: kick, no state sync")
            : intrusion(display, NON_INTRUSIVE, "VM-level stats");
      default:
        if (HARMLESS_INFO.contains(sub)) {
          return intrusion(display, NON_INTRUSIVE, "QEMU-side state only");
        }
        return intrusion(display, SYNCS_ALL_VCPUS, "unknown info command: assumed to sync all");
    }
  }

  private static Intrusion syncsOne(String display, int vcpu, String why) {
    return new Intrusion(display, SYNCS_ONE_VCPU, OptionalInt.of(vcpu), why);
  }

  private static Intrusion intrusion(String display, IntrusionLevel level, String why) {
    return new Intrusion(display, level, OptionalInt.empty(), why);
  }

  static OptionalInt cpuIndex(Map<String, Object> arguments) {
    Object value = arguments.get("cpu-index");
    if (value instanceof Number n) {
      return OptionalInt.of(n.intValue());
    }
    if (value != null) {
      try {
        return OptionalInt.of(Integer.parseInt(value.toString()));
      } catch (NumberFormatException e) {
        return OptionalInt.empty();
      }
    }
    return OptionalInt.empty();
  }
}
