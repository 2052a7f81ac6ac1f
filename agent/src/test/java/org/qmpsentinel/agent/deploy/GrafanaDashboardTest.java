package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** deploy/grafana/qmp-sentinel.json is valid JSON and only queries metrics the agent exports. */
class GrafanaDashboardTest {
  /** The agent's metric contract (README "Metrics"), plus Prometheus' own series. */
  static final Set<String> METRICS =
      Set.of(
          "qmp_sentinel_vm_info",
          "qmp_sentinel_vm_up",
          "qmp_sentinel_vm_running",
          "qmp_sentinel_vm_run_state",
          "qmp_sentinel_vm_vcpus",
          "qmp_sentinel_vm_phase",
          "qmp_sentinel_vcpu_cpu_seconds_total",
          "qmp_sentinel_poll_seconds_bucket",
          "qmp_sentinel_qmp_command_seconds_bucket",
          "qmp_sentinel_qmp_errors_total",
          "qmp_sentinel_qmp_reconnects_total",
          "qmp_sentinel_hang_suspected",
          "qmp_sentinel_hang_confirmed",
          "qmp_sentinel_hang_events_total",
          "qmp_sentinel_intrusive_commands_total",
          "qmp_sentinel_alert_deliveries_total",
          "qmp_sentinel_alert_spool_depth",
          "qmp_sentinel_vm_unmonitored");

  @Test
  void dashboardQueriesOnlyExportedMetrics() throws Exception {
    Path file =
        Path.of(System.getProperty("qmpsentinel.repo", ".."))
            .resolve("deploy/grafana/qmp-sentinel.json");
    JsonNode dashboard = JsonMapper.shared().readTree(file.toFile());
    assertThat(dashboard.path("uid").asString()).isEqualTo("qmp-sentinel");
    List<String> exprs = new ArrayList<>();
    dashboard
        .path("panels")
        .forEach(p -> p.path("targets").forEach(t -> exprs.add(t.path("expr").asString())));
    assertThat(exprs).hasSizeGreaterThanOrEqualTo(8);
    Matcher m = Pattern.compile("qmp_sentinel_[a-z_]+").matcher(String.join("\n", exprs));
    List<String> used = new ArrayList<>();
    while (m.find()) {
      used.add(m.group());
    }
    assertThat(used).isNotEmpty().allMatch(METRICS::contains);
  }
}
