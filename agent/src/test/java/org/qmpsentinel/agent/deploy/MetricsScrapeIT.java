package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.SentinelApplication;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an operator's Prometheus scrapes from a running agent watching real QEMU VMs (two healthy,
 * one stuck at boot, one whose QEMU is stopped; a webhook configured): {@code promtool check
 * metrics} has nothing to say about it, every metric the shipped rules and dashboard query is in
 * it, and its conventions hold (no {@code application} label, UUIDs only on {@code
 * qmp_sentinel_vm_info}, per-VM counters from 0, lower_snake label values, no framework noise).
 */
class MetricsScrapeIT {
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? ", Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  /** Labels whose values the agent enumerates: one casing, lower_snake. */
  private static final Set<String> ENUMERATED =
      Set.of(
          "phase",
          "state",
          "kind",
          "command",
          "reason",
          "outcome",
          "decision",
          "quality",
          "operation",
          "source",
          "mode");

  /** The framework meters an operator gets (prefixes); anything else is noise. */
  private static final List<String> FRAMEWORK =
      List.of("jvm_memory_", "jvm_gc_", "jvm_threads_", "process_");

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

  @AfterEach
  void stop() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    if (dir != null) {
      PrometheusAlertmanagerE2EIT.deleteTree(dir);
    }
  }

  @Test
  void liveScrapePassesPromtoolAndHasEverythingRulesAndDashboardUse() throws Exception {
    dir = Files.createTempDirectory("metrics-scrape");
    Path sockets = dir.resolve("sock");
    WebhookReceiver receiver = new WebhookReceiver();
    closeables.add(receiver);
    ConfigurableApplicationContext agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            // Arguments, not default properties: they outrank any /etc/qmp-sentinel/application.yml
            // that a package installed on this machine (application.yml imports it).
            .run(
                "--server.port=0",
                "--sentinel.host=hv-scrape",
                "--sentinel.discovery.proc-scan=false",
                "--sentinel.discovery.socket-glob=" + sockets + "/*.qmp",
                "--sentinel.alerting.spool-dir=" + dir.resolve("spool"),
                "--sentinel.alerting.webhooks[0].name=receiver",
                "--sentinel.alerting.webhooks[0].url=" + receiver.url(),
                // This machine is shared and often overloaded: a slow answer is not the subject.
                "--sentinel.poll.command-timeout=10s");
    closeables.add(agent);
    int port = ((WebServerApplicationContext) agent).getWebServer().getPort();
    closeables.add(QemuVm.healthy("metrics-scrape-a", 2, sockets));
    closeables.add(QemuVm.healthy("metrics-scrape-b", 1, sockets));
    closeables.add(QemuVm.stuck("metrics-scrape-stuck", 2, sockets));
    QemuVm frozen = QemuVm.healthy("metrics-scrape-frozen", 1, sockets);
    closeables.add(frozen);
    // A stuck boot may be confirmed (registers) the moment it is suspected, too briefly for a
    // scrape to see: a VM whose QEMU is stopped is suspected MONITOR_UNRESPONSIVE for three
    // command timeouts before it is confirmed.
    await("the frozen VM is connected")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                get(port, "/metrics")
                    .contains("qmp_sentinel_vm_up{vm=\"metrics-scrape-frozen\"} 1"));
    frozen.signal("STOP");

    Set<String> used = new TreeSet<>(namesInRules());
    used.addAll(namesInDashboard());
    used.removeIf(n -> !n.startsWith("qmp_sentinel_")); // up: Prometheus' own
    assertThat(used).contains("qmp_sentinel_hang_confirmed", "qmp_sentinel_vm_info");

    // Hang series exist only while a hang does (suspected, then confirmed): collect what the
    // scrapes show until every queried name was there.
    Set<String> seen = new TreeSet<>();
    List<String> withConfirmedHang = new ArrayList<>();
    await("every metric the rules and dashboard query appears in a scrape")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              String scrape = get(port, "/metrics");
              seen.addAll(samples(scrape).keySet());
              if (scrape.contains("qmp_sentinel_hang_confirmed{")) {
                withConfirmedHang.add(scrape);
              }
              assertThat(seen).as("metric names scraped so far").containsAll(used);
              assertThat(withConfirmedHang).as("scrapes with a confirmed hang").isNotEmpty();
            });
    String scrape = withConfirmedHang.get(withConfirmedHang.size() - 1);

    // promtool, as an operator would run it on the scrape.
    Process promtool =
        new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    promtool.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
    promtool.getOutputStream().close();
    String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(lint).as("promtool check metrics").isEmpty();
    assertThat(promtool.exitValue()).isZero();

    Map<String, List<Map<String, String>>> series = samples(scrape);
    assertThat(series.keySet())
        .allMatch(n -> n.startsWith("qmp_sentinel_") || FRAMEWORK.stream().anyMatch(n::startsWith))
        .contains(
            "jvm_memory_used_bytes",
            "jvm_gc_pause_seconds_count",
            "jvm_threads_live_threads",
            "process_cpu_seconds_total",
            "process_files_open_files",
            "process_uptime_seconds");
    series.forEach(
        (name, points) ->
            points.forEach(
                labels -> {
                  assertThat(labels).as(name).doesNotContainKey("application");
                  if (!name.equals("qmp_sentinel_vm_info")) {
                    assertThat(labels).as(name).doesNotContainKey("uuid");
                  }
                  labels.forEach(
                      (k, v) -> {
                        if (ENUMERATED.contains(k)) {
                          assertThat(v).as(name + " " + k).matches("[a-z0-9_]+");
                        }
                      });
                }));
    // One identity series per VM; every per-VM counter at 0 or more from the first scrape on.
    // (Only this test's VMs: the libvirt source may find another test's domain on this machine.)
    List<Map<String, String>> ours =
        series.get("qmp_sentinel_vm_info").stream()
            .filter(l -> l.get("vm").startsWith("metrics-scrape-"))
            .toList();
    List<String> vms = ours.stream().map(l -> l.get("vm")).sorted().toList();
    assertThat(vms)
        .containsExactly(
            "metrics-scrape-a",
            "metrics-scrape-b",
            "metrics-scrape-frozen",
            "metrics-scrape-stuck");
    assertThat(ours)
        .allMatch(
            l -> l.get("source").equals("directory") && l.get("qemu_version").startsWith("7."));
    for (String vm : vms) {
      assertThat(series.get("qmp_sentinel_qmp_reconnects_total"))
          .anyMatch(l -> vm.equals(l.get("vm")));
      assertThat(series.get("qmp_sentinel_qmp_errors_total"))
          .anyMatch(l -> vm.equals(l.get("vm")) && "error".equals(l.get("kind")))
          .anyMatch(l -> vm.equals(l.get("vm")) && "timeout".equals(l.get("kind")));
    }
    assertThat(series.get("qmp_sentinel_hang_confirmed"))
        .contains(Map.of("vm", "metrics-scrape-stuck", "kind", "ap_stuck_in_reset"))
        .noneMatch(
            l -> l.get("vm").equals("metrics-scrape-a") || l.get("vm").equals("metrics-scrape-b"));

    // The old path serves the same families.
    assertThat(samples(get(port, "/actuator/prometheus")).keySet())
        .containsAll(
            Set.of("qmp_sentinel_vm_info", "qmp_sentinel_vm_up", "process_cpu_seconds_total"));
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  /** Sample name → the label sets of its samples. */
  private static Map<String, List<Map<String, String>>> samples(String exposition) {
    Map<String, List<Map<String, String>>> out = new java.util.TreeMap<>();
    Matcher m = SAMPLE.matcher(exposition);
    while (m.find()) {
      Map<String, String> labels = new java.util.TreeMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Set<String> namesInRules() throws Exception {
    Map<String, Object> rules =
        new Yaml().load(Files.readString(REPO.resolve("deploy/prometheus/qmp-sentinel-rules.yml")));
    Set<String> names = new TreeSet<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        names.addAll(PromQlNames.of((String) rule.get("expr")));
      }
    }
    return names;
  }

  private static Set<String> namesInDashboard() throws Exception {
    JsonNode dashboard =
        JsonMapper.shared().readTree(REPO.resolve("deploy/grafana/qmp-sentinel.json").toFile());
    Set<String> names = new TreeSet<>();
    dashboard
        .path("panels")
        .forEach(
            p ->
                p.path("targets")
                    .forEach(t -> names.addAll(PromQlNames.of(t.path("expr").asString()))));
    dashboard
        .path("templating")
        .path("list")
        .forEach(
            v -> {
              String q = v.path("query").isObject() ? v.path("query").path("query").asString() : "";
              names.addAll(PromQlNames.of(q));
            });
    return names;
  }
}
