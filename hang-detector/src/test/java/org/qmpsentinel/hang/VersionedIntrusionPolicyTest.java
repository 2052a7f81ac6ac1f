package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table chosen per greeting version, and what differs between the tables. */
class VersionedIntrusionPolicyTest {

  @ParameterizedTest(name = "QEMU {0} -> {1}")
  @CsvSource({
    "5.2.0,  qemu-6.x",
    "6.2.0,  qemu-6.x",
    "7.0.0,  qemu-7.x",
    "7.2.0,  qemu-7.x",
    "8.0.0,  qemu-8.x-9.x",
    "8.2.2,  qemu-8.x-9.x",
    "9.2.0,  qemu-8.x-9.x",
    "10.0.13, qemu-10.x",
    "10.2.2, qemu-10.x",
    "'',     qemu-7.x",
    "banana, qemu-7.x",
  })
  void chosenFromTheGreetingVersion(String version, String table) {
    assertThat(IntrusionPolicy.forQemu(version).name()).isEqualTo(table);
  }

  @Test
  void aNewerVersionGetsTheNewestTableAndSaysSo() {
    IntrusionPolicy p = IntrusionPolicy.forQemu("11.1.3");
    assertThat(p.name()).startsWith("qemu-10.x").contains("11.1.3").contains("newer");
    assertThat(p.classifyQmp("query-frobnicate", Map.of()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
    assertThat(p.classifyHmp("info frobnication", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
  }

  @ParameterizedTest(name = "query-stats vcpu on QEMU {0}: {1}")
  @CsvSource({
    "6.2.0,   SYNCS_ALL_VCPUS", // does not exist before 7.1: unknown
    "7.2.0,   KICKS_VCPUS", // run_on_cpu(query_stats_vcpu)
    "8.2.2,   KICKS_VCPUS", // source not read: 7.2's stricter entry
    "9.2.0,   KICKS_VCPUS",
    "10.0.13, NON_INTRUSIVE", // stats fd read from the monitor thread
    "11.1.3,  NON_INTRUSIVE",
  })
  void vcpuStatsPerVersion(String version, IntrusionLevel level) {
    IntrusionPolicy p = IntrusionPolicy.forQemu(version);
    assertThat(p.classifyQmp("query-stats", Map.of("target", "vcpu")).level()).isEqualTo(level);
    assertThat(p.classifyHmp("info stats vcpu", OptionalInt.empty()).level()).isEqualTo(level);
  }

  /** The reads the sampler and the confirmation use synchronize one vCPU in every version. */
  @ParameterizedTest
  @CsvSource({"6.2.0", "7.2.0", "8.2.2", "9.2.0", "10.0.13", "11.1.3"})
  void registerReadsSyncOneVcpuEverywhere(String version) {
    IntrusionPolicy p = IntrusionPolicy.forQemu(version);
    Intrusion viaQmp =
        p.classifyQmp(
            "human-monitor-command", Map.of("command-line", "info registers", "cpu-index", 2));
    assertThat(viaQmp.level()).isEqualTo(IntrusionLevel.SYNCS_ONE_VCPU);
    assertThat(viaQmp.vcpu()).isEqualTo(OptionalInt.of(2));
    assertThat(p.classifyHmp("info registers -a", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
    assertThat(p.classifyHmp("xp /4x 0", OptionalInt.of(1)).vcpu()).isEqualTo(OptionalInt.of(1));
    assertThat(p.classifyQmp("dump-guest-memory", Map.of()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
    assertThat(p.classifyQmp("query-status", Map.of()).level())
        .isEqualTo(IntrusionLevel.NON_INTRUSIVE);
  }

  @Test
  void commandsGoneIn10AreUnknownThereOnly() {
    IntrusionPolicy q7 = IntrusionPolicy.forQemu("7.2.0");
    IntrusionPolicy q10 = IntrusionPolicy.forQemu("10.0.13");
    assertThat(q7.classifyHmp("info profile", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.NON_INTRUSIVE);
    assertThat(q10.classifyHmp("info profile", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
    assertThat(q10.classifyHmp("info cryptodev", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.NON_INTRUSIVE);
    assertThat(q7.classifyHmp("info cryptodev", OptionalInt.empty()).level())
        .isEqualTo(IntrusionLevel.SYNCS_ALL_VCPUS);
  }

  @Test
  void versionsParse() {
    assertThat(QemuVersion.parse("8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)"))
        .contains(new QemuVersion(8, 2, 2));
    assertThat(QemuVersion.parse("10.0")).contains(new QemuVersion(10, 0, 0));
    assertThat(QemuVersion.parse("99999999999.1")).isEmpty();
    assertThat(QemuVersion.parse("x")).isEmpty();
  }
}
