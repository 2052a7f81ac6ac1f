package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.hang.IntrusionLevel.SYNCS_ONE_VCPU;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The classification table, one row per command named in issue 3 (and a few more). */
class IntrusionPolicyTest {
  private final IntrusionPolicy policy = IntrusionPolicy.qemu72();

  @ParameterizedTest(name = "HMP ''{0}'' (current CPU {1}) -> {2} vCPU {3}")
  @CsvSource({
    // command line,            current cpu, level,         synced vCPU (-1: none/unknown)
    "info registers,            -1, SYNCS_ONE_VCPU,  0",
    "info registers,             2, SYNCS_ONE_VCPU,  2",
    "info registers -a,         -1, SYNCS_ALL_VCPUS, -1",
    "'  info   registers   -a ', -1, SYNCS_ALL_VCPUS, -1",
    "info registers 3,          -1, SYNCS_ONE_VCPU,  3",
    "info lapic,                 1, SYNCS_ONE_VCPU,  1",
    "info lapic 2,              -1, SYNCS_ONE_VCPU, -1",
    "info tlb,                  -1, SYNCS_ONE_VCPU,  0",
    "info mem,                   3, SYNCS_ONE_VCPU,  3",
    "x /4x 0x1000,              -1, SYNCS_ONE_VCPU,  0",
    "memsave 0 4096 /tmp/m,      2, SYNCS_ONE_VCPU,  2",
    "gva2gpa 0x1000,            -1, SYNCS_ONE_VCPU,  0",
    "print $eip,                 1, SYNCS_ONE_VCPU,  1",
    "p $rax + 1,                -1, SYNCS_ONE_VCPU,  0",
    "dump-guest-memory /tmp/d,  -1, SYNCS_ALL_VCPUS, -1",
    "info cpus,                 -1, NON_INTRUSIVE,  -1",
    "info status,               -1, NON_INTRUSIVE,  -1",
    "pmemsave 0 4096 /tmp/p,    -1, NON_INTRUSIVE,  -1",
    "print 1+2,                 -1, NON_INTRUSIVE,  -1",
    "info stats vcpu,           -1, KICKS_VCPUS,    -1",
    "stop,                      -1, KICKS_VCPUS,    -1",
    "nmi,                       -1, KICKS_VCPUS,    -1",
    "cont,                      -1, NON_INTRUSIVE,  -1",
    "frobnicate now,            -1, SYNCS_ALL_VCPUS, -1",
    "info frobnication,         -1, SYNCS_ALL_VCPUS, -1",
  })
  void hmpTable(String line, int cpu, IntrusionLevel level, int vcpu) {
    Intrusion i = policy.classifyHmp(line, cpu < 0 ? OptionalInt.empty() : OptionalInt.of(cpu));
    assertThat(i.level()).as(i.why()).isEqualTo(level);
    assertThat(i.vcpu()).isEqualTo(vcpu < 0 ? OptionalInt.empty() : OptionalInt.of(vcpu));
    assertThat(i.why()).isNotBlank();
  }

  /**
   * xp: the issue lists it as non-synchronizing, but QEMU 7.2's memory_dump() calls mon_get_cpu() —
   * which synchronizes the monitor's current CPU — before it looks at is_physical. Only the current
   * CPU (the BSP by default) is touched, so STARTUP still allows it.
   */
  @ParameterizedTest
  @CsvSource({"xp /4x 0x1000, -1, 0", "xp /4x 0x1000, 2, 2"})
  void xpSyncsTheCurrentCpuInQemu72(String line, int cpu, int vcpu) {
    Intrusion i = policy.classifyHmp(line, cpu < 0 ? OptionalInt.empty() : OptionalInt.of(cpu));
    assertThat(i.level()).isEqualTo(SYNCS_ONE_VCPU);
    assertThat(i.vcpu()).hasValue(vcpu);
  }

  @ParameterizedTest(name = "QMP {0} -> {1}")
  @CsvSource({
    "query-status, NON_INTRUSIVE",
    "query-cpus-fast, NON_INTRUSIVE",
    "query-name, NON_INTRUSIVE",
    "query-kvm, NON_INTRUSIVE",
    "pmemsave, NON_INTRUSIVE",
    "system_reset, NON_INTRUSIVE",
    "dump-guest-memory, SYNCS_ALL_VCPUS",
    "memsave, SYNCS_ONE_VCPU",
    "inject-nmi, KICKS_VCPUS",
    "x-some-future-command, SYNCS_ALL_VCPUS",
  })
  void qmpTable(String command, IntrusionLevel level) {
    assertThat(policy.classifyQmp(command, Map.of()).level()).isEqualTo(level);
  }

  @ParameterizedTest
  @CsvSource({"vcpu, KICKS_VCPUS", "vm, NON_INTRUSIVE"})
  void queryStatsKicksOnlyForVcpuTarget(String target, IntrusionLevel level) {
    assertThat(policy.classifyQmp("query-stats", Map.of("target", target)).level())
        .isEqualTo(level);
  }

  @ParameterizedTest
  @CsvSource({"info registers -a, -1, SYNCS_ALL_VCPUS, -1", "info registers, 3, SYNCS_ONE_VCPU, 3"})
  void humanMonitorCommandIsClassifiedByItsCommandLine(
      String line, int cpu, IntrusionLevel level, int vcpu) {
    Map<String, Object> args =
        cpu < 0 ? Map.of("command-line", line) : Map.of("command-line", line, "cpu-index", cpu);
    Intrusion i = policy.classifyQmp("human-monitor-command", args);
    assertThat(i.level()).isEqualTo(level);
    assertThat(i.vcpu()).isEqualTo(vcpu < 0 ? OptionalInt.empty() : OptionalInt.of(vcpu));
  }
}
