package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.SentinelApplication;
import org.qmpsentinel.agent.alert.AlertFormats;
import org.qmpsentinel.agent.alert.AlertService;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything for real, on loopback: Debian's Prometheus scrapes the agent, which watches a
 * stuck-signature VM and a healthy one; the repository's alerting rules fire; Debian's
 * Alertmanager, configured as deploy/alertmanager/alertmanager.yml, receives both the rule alerts
 * and the agent's own /api/v2/alerts posts and delivers them to a local webhook receiver — which
 * must hear about the stuck VM exactly once, and about the healthy VM never.
 */
class PrometheusAlertmanagerE2EIT {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));
  private final List<Process> daemons = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private WebhookReceiver receiver;
  private Path dir;

  @AfterEach
  void stop() throws Exception {
    for (Process p : daemons) {
      p.destroyForcibly().waitFor();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (dir != null) {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
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

  /**
   * Both alert paths configured as documented (deploy/prometheus, deploy/alertmanager, the agent in
   * ALERTMANAGER mode): the stuck VM is one notification — the page — and nothing else, while both
   * the rule and the agent keep reporting it; the healthy VM is none.
   */
  @Test
  @SuppressWarnings("try") // the VMs only have to run while the agent and Prometheus watch them
  void stuckVmPagesExactlyOnceWithBothPathsAndHealthyStaysSilent() throws Exception {
    dir = Files.createTempDirectory("metrics-e2e");
    receiver = new WebhookReceiver();
    closeables.add(receiver);

    // Alertmanager: the shipped example, its receivers pointed here and its waits shortened
    // (group_interval to 1s: a second, different alert for the incident would notify at once).
    int amPort = freePort();
    String receiverBase = receiver.url().resolve("/").toString().replaceAll("/$", "");
    String amConfig =
        Files.readString(REPO.resolve("deploy/alertmanager/alertmanager.yml"))
            .replace("http://127.0.0.1:5001", receiverBase)
            .replace("group_wait: 30s", "group_wait: 1s")
            .replace("group_wait: 10s", "group_wait: 1s")
            .replace("group_wait: 2m", "group_wait: " + TICKETS_WAIT.toSeconds() + "s")
            .replace("group_interval: 5m", "group_interval: 1s");
    assertThat(amConfig).contains(receiverBase + "/pager", receiverBase + "/tickets");
    Files.writeString(dir.resolve("alertmanager.yml"), amConfig);
    daemon(
        dir,
        "alertmanager",
        "prometheus-alertmanager",
        "--config.file=" + dir.resolve("alertmanager.yml"),
        "--storage.path=" + dir.resolve("am-data"),
        "--web.listen-address=127.0.0.1:" + amPort,
        "--cluster.listen-address=");

    // The agent, posting its own alerts to Alertmanager (re-posting every 2 s, so that its copy
    // keeps arriving while the test watches for a second notification).
    Path sockets = dir.resolve("sock");
    ConfigurableApplicationContext agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            // Arguments, not default properties: they outrank any /etc/qmp-sentinel/application.yml
            // that a package installed on this machine (application.yml imports it).
            .run(
                "--server.port=0",
                "--sentinel.host=hv-e2e",
                "--sentinel.discovery.proc-scan=false",
                "--sentinel.discovery.libvirt.enabled=false", // the host's domains are not ours
                "--sentinel.discovery.socket-glob=" + sockets + "/*.qmp",
                "--sentinel.alerting.spool-dir=" + dir.resolve("spool"),
                "--sentinel.alerting.alertmanager-resend=2s",
                // This machine is shared and often overloaded: a slow answer is not the subject.
                "--sentinel.poll.command-timeout=10s",
                "--sentinel.alerting.webhooks[0].name=alertmanager",
                "--sentinel.alerting.webhooks[0].mode=ALERTMANAGER",
                "--sentinel.alerting.webhooks[0].url=http://127.0.0.1:" + amPort);
    closeables.add(agent);
    int agentPort = ((WebServerApplicationContext) agent).getWebServer().getPort();

    // Prometheus scraping the agent as deploy/prometheus/prometheus.yml does, with the shipped
    // rules, alerting to Alertmanager.
    Files.copy(REPO.resolve("deploy/prometheus/qmp-sentinel-rules.yml"), dir.resolve("rules.yml"));
    int promPort = freePort();
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
            metrics_path: /metrics
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
        // Prometheus' alerts expire 4 resend delays after their last post: 1 s (as first written)
        // let the merged alert lapse and re-fire when this overloaded machine delayed a post.
        "--rules.alert.resend-delay=5s",
        "--web.listen-address=127.0.0.1:" + promPort);

    try (QemuVm stuck = QemuVm.stuck("metrics-e2e-stuck", 2, sockets);
        QemuVm healthy = QemuVm.healthy("metrics-e2e-healthy", 2, sockets)) {
      await("the page for the stuck VM")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !notificationsAbout("metrics-e2e-stuck").isEmpty());
      // Both paths are reporting it: the rule is firing in Prometheus (which re-sends it every
      // 5 s) and the agent has delivered its confirmed alert (and re-posts it every 2 s).
      await("both paths report the stuck VM")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  ruleFiring(promPort, "QemuVmStuckAtBoot", "metrics-e2e-stuck")
                      && agentConfirmed(agent));
      // One incident, one notification: nothing more arrives while both keep reporting, for
      // longer than the warnings' group_wait (the suspicion is inhibited by the page).
      await("no second notification")
          .during(TICKETS_WAIT.plusSeconds(5))
          .atMost(TICKETS_WAIT.plusSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () ->
                  assertThat(notificationsAbout("metrics-e2e-stuck"))
                      .as("notifications about the stuck VM: %s", describe(receiver.requests()))
                      .hasSize(1));

      WebhookReceiver.Request page = notificationsAbout("metrics-e2e-stuck").get(0);
      assertThat(page.path()).isEqualTo("/pager");
      JsonNode payload = JsonMapper.shared().readTree(page.body());
      assertThat(payload.path("alerts")).hasSize(1);
      JsonNode alert = payload.path("alerts").get(0);
      Map<String, String> labels = new TreeMap<>();
      alert
          .path("labels")
          .properties()
          .forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
      assertThat(labels)
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "alertname", "QemuVmStuckAtBoot",
                  "host", "hv-e2e",
                  "vm", "metrics-e2e-stuck",
                  "kind", "ap_stuck_in_reset",
                  "severity", "critical"));
      assertThat(alert.path("status").asString()).isEqualTo("firing");
      // Our fingerprint is Alertmanager's (the generic webhook's payload uses it).
      assertThat(alert.path("fingerprint").asString()).isEqualTo(AlertFormats.fingerprint(labels));
      assertThat(alert.path("annotations").path("runbook_url").asString())
          .isEqualTo(SentinelProperties.Alerting.DEFAULT_RUNBOOK_BASE_URL + "#qemuvmstuckatboot");
      // Whichever path updated the merged alert last: the agent's VM URL or Prometheus' graph.
      assertThat(alert.path("generatorURL").asString())
          .satisfiesAnyOf(
              u ->
                  assertThat(u)
                      .isEqualTo("http://127.0.0.1:" + agentPort + "/api/v1/vms/metrics-e2e-stuck"),
              u -> assertThat(u).contains("/graph?g0.expr="));
      assertThat(notificationsAbout("metrics-e2e-healthy")).isEmpty();
    }
  }

  /** How long the test's Alertmanager holds a new warning before notifying it (docs: 2m). */
  private static final Duration TICKETS_WAIT = Duration.ofSeconds(20);

  /** One line per notification: receiver path, and per alert its status, name, VM and times. */
  private static String describe(List<WebhookReceiver.Request> requests) {
    StringBuilder s = new StringBuilder();
    for (WebhookReceiver.Request r : requests) {
      s.append("\n").append(r.path());
      for (JsonNode a : JsonMapper.shared().readTree(r.body()).path("alerts")) {
        s.append(" [")
            .append(a.path("status").asString())
            .append(' ')
            .append(a.path("labels").path("alertname").asString())
            .append(' ')
            .append(a.path("labels").path("vm").asString())
            .append(' ')
            .append(a.path("startsAt").asString())
            .append("..")
            .append(a.path("endsAt").asString())
            .append(' ')
            .append(a.path("generatorURL").asString())
            .append(']');
      }
    }
    return s.toString();
  }

  /** The notifications (to any receiver) with an alert for {@code vm}. */
  private List<WebhookReceiver.Request> notificationsAbout(String vm) {
    List<WebhookReceiver.Request> about = new ArrayList<>();
    for (WebhookReceiver.Request r : receiver.requests()) {
      for (JsonNode a : JsonMapper.shared().readTree(r.body()).path("alerts")) {
        if (a.path("labels").path("vm").asString().equals(vm)) {
          about.add(r);
          break;
        }
      }
    }
    return about;
  }

  private static boolean ruleFiring(int promPort, String alertname, String vm) throws Exception {
    HttpResponse<String> r =
        HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + promPort + "/api/v1/alerts"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    for (JsonNode a : JsonMapper.shared().readTree(r.body()).path("data").path("alerts")) {
      if (a.path("labels").path("alertname").asString().equals(alertname)
          && a.path("labels").path("vm").asString().equals(vm)
          && a.path("state").asString().equals("firing")) {
        return true;
      }
    }
    return false;
  }

  /** The agent has delivered the confirmed hang (suspected and confirmed: two deliveries). */
  private static boolean agentConfirmed(ConfigurableApplicationContext agent) {
    AlertService alerts = agent.getBean(AlertService.class);
    MeterRegistry registry = agent.getBean(MeterRegistry.class);
    var delivered =
        registry
            .find("qmp.sentinel.alert.deliveries")
            .tags("webhook", "alertmanager", "outcome", "delivered")
            .functionCounter();
    return alerts.spoolDepth() == 0 && delivered != null && delivered.count() >= 2;
  }
}
