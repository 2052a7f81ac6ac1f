package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.SentinelApplication;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything for real, on loopback: Debian's Prometheus scrapes the agent, which watches a
 * stuck-signature VM and a healthy one; the repository's alerting rules fire; Debian's Alertmanager
 * receives both the rule alerts and the agent's own /api/v2/alerts posts and delivers them to a
 * local webhook receiver — which must hear about the stuck VM only.
 */
class PrometheusAlertmanagerE2EIT {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));
  private final List<Process> daemons = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private WebhookReceiver receiver;

  @AfterEach
  void stop() throws Exception {
    daemons.forEach(Process::destroyForcibly);
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Process daemon(Path dir, String name, String... command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    daemons.add(p);
    return p;
  }

  @Test
  @SuppressWarnings("try") // the VMs only have to run while the agent and Prometheus watch them
  void stuckVmAlertReachesTheReceiverThroughAlertmanagerAndHealthyStaysSilent() throws Exception {
    Path dir = Files.createTempDirectory("e2e");
    receiver = new WebhookReceiver();
    closeables.add(receiver);

    // Alertmanager: one route to the local receiver, fast grouping for the test.
    int amPort = freePort();
    Files.writeString(
        dir.resolve("alertmanager.yml"),
        """
        route:
          receiver: local
          group_by: [alertname, vm]
          group_wait: 1s
          group_interval: 1s
          repeat_interval: 1h
        receivers:
          - name: local
            webhook_configs:
              - url: '%s'
                send_resolved: true
        """
            .formatted(receiver.url()));
    daemon(
        dir,
        "alertmanager",
        "prometheus-alertmanager",
        "--config.file=" + dir.resolve("alertmanager.yml"),
        "--storage.path=" + dir.resolve("am-data"),
        "--web.listen-address=127.0.0.1:" + amPort,
        "--cluster.listen-address=");

    // The agent, posting its own alerts to Alertmanager.
    Path sockets = dir.resolve("sock");
    ConfigurableApplicationContext agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            .properties(
                "sentinel.host=hv-e2e",
                "sentinel.discovery.proc-scan=false",
                "sentinel.discovery.socket-glob=" + sockets + "/*.qmp",
                "sentinel.alerting.spool-dir=" + dir.resolve("spool"),
                "sentinel.alerting.webhooks[0].name=alertmanager",
                "sentinel.alerting.webhooks[0].mode=ALERTMANAGER",
                "sentinel.alerting.webhooks[0].url=http://127.0.0.1:" + amPort)
            .run("--server.port=0"); // an argument outranks application.yml; a default would not
    closeables.add(agent);
    int agentPort = ((WebServerApplicationContext) agent).getWebServer().getPort();

    // Prometheus scraping the agent with the repository's rules, alerting to Alertmanager.
    Files.copy(REPO.resolve("deploy/prometheus/qmp-sentinel-rules.yml"), dir.resolve("rules.yml"));
    Files.writeString(
        dir.resolve("prometheus.yml"),
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: [rules.yml]
        alerting:
          alertmanagers:
            - static_configs:
                - targets: ['127.0.0.1:%d']
        scrape_configs:
          - job_name: qmp-sentinel
            metrics_path: /actuator/prometheus
            static_configs:
              - targets: ['127.0.0.1:%d']
                labels: {host: hv-e2e}
        """
            .formatted(amPort, agentPort));
    daemon(
        dir,
        "prometheus",
        "prometheus",
        "--config.file=" + dir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + dir.resolve("prom-data"),
        "--web.listen-address=127.0.0.1:" + freePort());

    try (QemuVm stuck = QemuVm.stuck("e2e-stuck", 2, sockets);
        QemuVm healthy = QemuVm.healthy("e2e-healthy", 2, sockets)) {
      await("both alert paths delivered for the stuck VM")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  alertNamesFor("e2e-stuck")
                      .containsAll(Set.of("QemuApStuckInReset", "QemuVmStuckAtBoot")));
      assertThat(alertNamesFor("e2e-healthy")).isEmpty();
      JsonNode fromRule =
          alerts().stream()
              .filter(
                  a -> a.path("labels").path("alertname").asString().equals("QemuVmStuckAtBoot"))
              .findFirst()
              .orElseThrow();
      assertThat(fromRule.path("labels").path("host").asString()).isEqualTo("hv-e2e");
      assertThat(fromRule.path("annotations").path("runbook_url").asString())
          .contains("runbooks.md#qemuvmstuckatboot");
      JsonNode fromAgent =
          alerts().stream()
              .filter(
                  a -> a.path("labels").path("alertname").asString().equals("QemuApStuckInReset"))
              .findFirst()
              .orElseThrow();
      assertThat(fromAgent.path("labels").path("host").asString()).isEqualTo("hv-e2e");
      assertThat(fromAgent.path("annotations").path("evidence").asString()).contains("stuck_aps");
    }
  }

  /** Every alert Alertmanager delivered, from the webhook payloads' "alerts" arrays. */
  private List<JsonNode> alerts() {
    List<JsonNode> all = new ArrayList<>();
    for (WebhookReceiver.Request r : receiver.requests()) {
      JsonMapper.shared().readTree(r.body()).path("alerts").forEach(all::add);
    }
    return all;
  }

  private Set<String> alertNamesFor(String vm) {
    Set<String> names = new TreeSet<>();
    for (JsonNode a : alerts()) {
      if (a.path("labels").path("vm").asString().equals(vm)) {
        names.add(a.path("labels").path("alertname").asString());
      }
    }
    return names;
  }
}
