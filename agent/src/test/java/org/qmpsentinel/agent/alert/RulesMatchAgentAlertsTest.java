package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.yaml.snakeyaml.Yaml;

/**
 * The shipped rules and the agent's own alerts cannot drift apart: every alert the agent sends is a
 * rule of the same name and severity whose aggregation keeps exactly the agent's labels, and every
 * rule's runbook_url is the agent's default base plus an anchor docs/runbooks.md has.
 */
class RulesMatchAgentAlertsTest {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> rules() throws Exception {
    Map<String, Object> file =
        new Yaml().load(Files.readString(REPO.resolve("deploy/prometheus/qmp-sentinel-rules.yml")));
    Map<String, Map<String, Object>> byName = new TreeMap<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        byName.put((String) rule.get("alert"), rule);
      }
    }
    return byName;
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAgentAlertIsARuleWithTheSameNameSeverityAndLabels() throws Exception {
    Map<String, Map<String, Object>> rules = rules();
    List<String> checked = new ArrayList<>();
    for (HangKind kind : HangKind.values()) {
      for (HangState state : List.of(HangState.SUSPECTED, HangState.CONFIRMED)) {
        HangAlerts.Rule agent = HangAlerts.rule(kind, state);
        Map<String, Object> rule = rules.get(agent.alertname());
        assertThat(rule).as(agent.alertname() + " in the rules file").isNotNull();
        assertThat(((Map<String, Object>) rule.get("labels")).get("severity"))
            .as(agent.alertname())
            .isEqualTo(agent.severity());
        String expr = (String) rule.get("expr");
        assertThat(expr)
            .as(agent.alertname() + ": aggregated to the agent's labels")
            .startsWith("max by (host, vm, kind) (")
            .contains("kind=\"" + kind.name().toLowerCase(Locale.ROOT) + "\"");
        checked.add(agent.alertname());
      }
    }
    assertThat(checked)
        .contains(
            "QemuVmStuckAtBoot",
            "QemuVmStuckAtBootSuspected",
            "QemuMonitorUnresponsive",
            "QemuVmUnexpectedPause");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyRuleLinksItsRunbookAtTheAgentsDefaultBase() throws Exception {
    String runbooks = Files.readString(REPO.resolve("docs/runbooks.md"));
    for (Map.Entry<String, Map<String, Object>> rule : rules().entrySet()) {
      String url =
          (String) ((Map<String, Object>) rule.getValue().get("annotations")).get("runbook_url");
      assertThat(url)
          .as(rule.getKey())
          .isEqualTo(
              SentinelProperties.Alerting.DEFAULT_RUNBOOK_BASE_URL
                  + "#"
                  + rule.getKey().toLowerCase(Locale.ROOT));
      assertThat(runbooks).as("runbook section").contains("\n## " + rule.getKey() + "\n");
    }
  }
}
