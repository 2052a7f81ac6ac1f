package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.VcpuStats;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StatsTest {
  private static final String KVM_NAMES_REQUEST =
      "{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpu\", \"providers\":"
          + " [{\"provider\": \"kvm\", \"names\": [\"exits\", \"halt_exits\"]}]}, \"id\":"
          + " \"capture-id\"}";

  @TempDir Path dir;
  SimFixture sim;

  @BeforeEach
  void start() {
    sim = new SimFixture(dir, 2, 0, 0, 0, 0);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void fullKvmStatsAreQemusListWithLiveCounters() {
    QmpConnection c = sim.connect(1);
    List<VcpuStats> stats = c.execute(QmpCommands.queryVcpuStats()).join();
    assertThat(stats)
        .extracting(VcpuStats::qomPath)
        .containsExactly("/machine/unattached/device[2]", "/machine/unattached/device[0]");
    assertThat(stats.get(0).counters()).containsKeys("exits", "halt_exits", "signal_exits");
    assertThat(stats.get(0).counters().size()).isGreaterThan(30);
    assertThat(stats.get(0).counter("exits")).isPositive(); // booted long ago
  }

  @Test
  void namesFilterIsHonoured() {
    QmpConnection c = sim.connect(1);
    JsonNode args =
        JsonMapper.shared()
            .readTree(
                "{\"target\": \"vcpu\", \"providers\": [{\"provider\": \"kvm\", \"names\":"
                    + " [\"halt_exits\"]}]}");
    JsonNode reply = c.execute("query-stats", args).join();
    assertThat(reply).hasSize(2);
    for (JsonNode vcpu : reply) {
      assertThat(vcpu.get("stats")).hasSize(1);
      assertThat(vcpu.get("stats").get(0).get("name").asString()).isEqualTo("halt_exits");
    }
    JsonNode none =
        c.execute(
                "query-stats",
                JsonMapper.shared()
                    .readTree(
                        "{\"target\": \"vcpu\", \"providers\": [{\"provider\": \"kvm\","
                            + " \"names\": [\"nonexistent\"]}]}"))
            .join();
    assertThat(none).isEmpty(); // QEMU leaves out a vCPU none of whose stats match
  }

  @Test
  void filteredAndFullRepliesAreQemusBytesApartFromCounterValues() throws IOException {
    try (ProtocolTest.Raw raw = new ProtocolTest.Raw(sim.socket(1))) {
      raw.line();
      raw.send("{\"execute\": \"qmp_capabilities\"}");
      raw.line();
      raw.send(KVM_NAMES_REQUEST);
      assertThat(countersOut(raw.line()))
          .isEqualTo(countersOut(ProtocolTest.capture("query-stats-vcpu-kvm-names")));
      raw.send(
          "{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpu\"}, \"id\":"
              + " \"capture-id\"}");
      String full = raw.line();
      String captured = ProtocolTest.capture("query-stats-vcpu");
      // Only the two computed counters differ; every other stat is the captured AP's.
      assertThat(countersOut(full).length()).isGreaterThan(4000);
      assertThat(lines(countersOut(full))).hasSameSizeAs(lines(countersOut(captured)));
    }
  }

  /** The line with the values of exits and halt_exits blanked. */
  private static String countersOut(String line) {
    return line.replaceAll("(\"(halt_)?exits\", \"value\": )\\d+", "$1N");
  }

  private static List<String> lines(String s) {
    return new ArrayList<>(List.of(s.split("\\{\"provider\"")));
  }
}
