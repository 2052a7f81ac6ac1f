package org.qmpsentinel.agent.discovery.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qmpsentinel.hang.Observation.VcpuSample;

/**
 * The stats → observation mapping, on what libvirt 9.0 really returned for the stuck-signature
 * domain ({@code virsh domstats}, kept in src/test/resources/libvirt), and on variations of it that
 * a running libvirt does not produce on demand (TCG without KVM counters, a vCPU missing).
 */
class DomainStatsMappingTest {

  @Test
  void kvmDomainGivesCountersAndCpuTimePerVcpu() throws IOException {
    DomainSample s = DomainStatsMapping.sample(recorded(), 7, 100, 200);
    assertThat(s.running()).isTrue();
    assertThat(s.runState()).isEqualTo("running");
    assertThat(s.kvmCounters()).isTrue();
    assertThat(s.sentAtNanos()).isEqualTo(100);
    assertThat(s.atNanos()).isEqualTo(200);
    assertThat(s.vcpus()).extracting(VcpuSample::cpuIndex).containsExactly(0, 1);
    assertThat(s.vcpus()).extracting(VcpuSample::threadId).containsOnly(7L);
    VcpuSample bsp = s.vcpus().get(0);
    VcpuSample ap = s.vcpus().get(1);
    assertThat(bsp.cpuTimeNanos()).isEqualTo(OptionalLong.of(1_490_000_000L));
    assertThat(bsp.kvm().orElseThrow().get("exits")).isEqualTo(2749);
    assertThat(bsp.kvm().orElseThrow().get("halt_exits")).isZero();
    assertThat(ap.kvm().orElseThrow().get("exits")).isZero();
    assertThat(ap.cpuTimeNanos()).isEqualTo(OptionalLong.of(0));
    // Only the two counters the detector reads are carried.
    assertThat(bsp.kvm().orElseThrow().values()).containsOnlyKeys("exits", "halt_exits");
  }

  @Test
  void withoutKvmCountersTheSampleCarriesCpuTimeOnly() throws IOException {
    // Constructed: a TCG domain has no vcpu.N.*.sum (libvirt reads them from query-stats).
    Map<String, Object> tcg = new HashMap<>(recorded());
    tcg.keySet().removeIf(k -> k.endsWith(".sum"));
    DomainSample s = DomainStatsMapping.sample(tcg, 7, 0, 1);
    assertThat(s.kvmCounters()).isFalse();
    assertThat(s.vcpus()).hasSize(2).allSatisfy(v -> assertThat(v.kvm()).isEmpty());
    assertThat(s.vcpus().get(0).cpuTimeNanos()).isPresent();
  }

  @Test
  void oneVcpuWithoutCountersMeansThePollHasNone() throws IOException {
    // Constructed: libvirt's NOWAIT read may come back without query-stats for a busy domain.
    Map<String, Object> partial = new HashMap<>(recorded());
    partial.remove("vcpu.1.exits.sum");
    DomainSample s = DomainStatsMapping.sample(partial, 7, 0, 1);
    assertThat(s.kvmCounters()).isFalse();
    assertThat(s.vcpus().get(0).kvm()).isPresent();
    assertThat(s.vcpus().get(1).kvm()).isEmpty();
  }

  @Test
  void stateOnlyReadHasNoVcpus() {
    DomainSample s =
        DomainStatsMapping.sample(Map.of("state.state", 3L, "state.reason", 1L), 7, 0, 1);
    assertThat(s.vcpus()).isEmpty();
    assertThat(s.kvmCounters()).isFalse();
    assertThat(s.running()).isFalse();
    assertThat(s.runState()).isEqualTo("paused");
  }

  @ParameterizedTest(name = "state {0} reason {1} -> {2}")
  @CsvSource({
    "1, 1, running",
    "2, 0, running",
    "3, 1, paused",
    "3, 5, io-error",
    "3, 10, guest-panicked",
    "3, 8, shutdown",
    "4, 1, shutdown",
    "5, 2, shutoff",
    "6, 1, guest-panicked",
    "7, 0, suspended",
    "0, 0, unknown"
  })
  void runStatesUseQemusWords(int state, int reason, String word) {
    assertThat(DomainStatsMapping.runState(state, reason)).isEqualTo(word);
  }

  /** The recorded {@code virsh domstats} output as libvirt's typed values (numbers, strings). */
  static Map<String, Object> recorded() throws IOException {
    Map<String, Object> params = new LinkedHashMap<>();
    try (InputStream in =
        DomainStatsMappingTest.class.getResourceAsStream("/libvirt/domstats-stuck-kvm.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] kv = line.split("=", 2);
        params.put(kv[0], kv[1].matches("-?\\d+") ? (Object) Long.parseLong(kv[1]) : kv[1]);
      }
    }
    return params;
  }
}
