package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Wire forms of the typed commands and decoding of replies recorded from QEMU 7.2 under KVM. */
class QmpCommandsTest {
  private static JsonNode recorded(String name) throws IOException {
    try (InputStream in = QmpCommandsTest.class.getResourceAsStream("/qmp/" + name)) {
      return JsonMapper.shared().readTree(in).get("return");
    }
  }

  @Test
  void filteredVcpuStatsAsksForTheNamedKvmStatsOnly() {
    QmpCommand<List<VcpuStats>> command =
        QmpCommands.queryVcpuStats(List.of("exits", "halt_exits"));
    assertThat(command.name()).isEqualTo("query-stats");
    assertThat(command.arguments())
        .hasToString(
            "{\"target\":\"vcpu\",\"providers\":[{\"provider\":\"kvm\",\"names\":[\"exits\",\"halt_exits\"]}]}");
    assertThat(QmpCommands.queryVcpuStats().arguments())
        .hasToString("{\"target\":\"vcpu\",\"providers\":[{\"provider\":\"kvm\"}]}");
    assertThatThrownBy(() -> QmpCommands.queryVcpuStats(Arrays.asList("exits", null)))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void recordedFilteredReplyDecodesToBothCountersPerVcpu() throws IOException {
    List<VcpuStats> stats =
        QmpCommands.queryVcpuStats(List.of("exits", "halt_exits"))
            .replyDecoder()
            .apply(recorded("query-stats-vcpu-filtered-2cpu.json"));
    assertThat(stats)
        .extracting(VcpuStats::qomPath)
        .containsExactly("/machine/unattached/device[2]", "/machine/unattached/device[0]");
    assertThat(stats)
        .allSatisfy(s -> assertThat(s.counters()).containsOnlyKeys("exits", "halt_exits"));
    assertThat(stats.get(1).counter("exits")).isEqualTo(183);
  }

  @Test
  void recordedUnfilteredReplyKeepsScalarsAndDropsHistograms() throws IOException {
    List<VcpuStats> stats =
        QmpCommands.queryVcpuStats().replyDecoder().apply(recorded("query-stats-vcpu-2cpu.json"));
    assertThat(stats).hasSize(2);
    assertThat(stats.get(0).counters()).containsKeys("exits", "halt_exits", "signal_exits");
    assertThat(stats.get(0).counters()).doesNotContainKey("halt_poll_fail_hist");
  }
}
