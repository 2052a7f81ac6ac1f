package org.qmpsentinel.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole daemon against real QEMU guests: directory discovery, metrics, detection of the
 * stuck-signature guest (and silence about healthy ones), webhook delivery through an outage, and
 * the policy-gated HMP endpoint.
 */
@Tag("qemu") // run on every QEMU build: agent/pom.xml, execution qemu10
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AgentIT {
  private static final JsonMapper JSON = JsonMapper.shared();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path work;
  private static final WebhookReceiver receiver;
  private static QemuVm healthy;

  static {
    try {
      work = Files.createTempDirectory("agent-it");
      receiver = new WebhookReceiver();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    receiver.failNext(2); // the receiver's "outage": the first two deliveries get a 500
  }

  @LocalServerPort int port;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("sentinel.discovery.socket-glob", () -> work.resolve("sock") + "/*.qmp");
    registry.add("sentinel.discovery.proc-scan", () -> "false");
    // The host's libvirt domains (other tests', other users') are not this test's VMs.
    registry.add("sentinel.discovery.libvirt.enabled", () -> "false");
    registry.add("sentinel.alerting.spool-dir", () -> work.resolve("spool").toString());
    registry.add("sentinel.alerting.retry-initial", () -> "200ms");
    registry.add("sentinel.alerting.webhooks[0].name", () -> "test-receiver");
    registry.add("sentinel.alerting.webhooks[0].url", () -> receiver.url().toString());
    registry.add("sentinel.alerting.webhooks[0].bearer-token", () -> "hook-secret");
    registry.add("sentinel.api.hmp.enabled", () -> "true");
    registry.add("sentinel.api.hmp.token", () -> "api-secret");
    registry.add("sentinel.proxy.enabled", () -> "true");
    registry.add("sentinel.proxy.path", () -> work.resolve("proxy") + "/{vm}.qmp");
  }

  @BeforeAll
  static void startHealthyGuest() throws Exception {
    healthy = QemuVm.healthy("healthy-a", 4, work.resolve("sock"));
  }

  @AfterAll
  static void stop() {
    if (healthy != null) {
      healthy.close();
    }
    receiver.close();
  }

  @Test
  @SuppressWarnings("try") // the stuck VM only has to run while the agent watches it
  void detectsTheStuckGuestWithin10sAndNeverFlagsTheHealthyOne() throws Exception {
    try (QemuVm stuck = QemuVm.stuck("stuck-a", 4, work.resolve("sock"))) {
      await("AP_STUCK_IN_RESET for stuck-a")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> hangKinds("stuck-a").contains("AP_STUCK_IN_RESET"));

      // The alert goes through the receiver's outage (two 500s) and arrives, with the token.
      await("alerts delivered after retries")
          .atMost(Duration.ofSeconds(30))
          .until(() -> acceptedStates("stuck-a").containsAll(List.of("SUSPECTED", "CONFIRMED")));
      assertThat(receiver.requests().stream().filter(r -> r.answered() == 500)).hasSize(2);
      assertThat(receiver.accepted()).allMatch(r -> "Bearer hook-secret".equals(r.authorization()));
      // The generic webhook gets Alertmanager's webhook payload.
      JsonNode confirmed =
          receiver.accepted().stream()
              .map(r -> JSON.readTree(r.body()))
              .filter(
                  n ->
                      n.path("commonAnnotations").path("hang_state").asString().equals("confirmed"))
              .findFirst()
              .orElseThrow();
      assertThat(confirmed.path("version").asString()).isEqualTo("4");
      assertThat(confirmed.path("status").asString()).isEqualTo("firing");
      assertThat(confirmed.path("commonLabels").path("kind").asString())
          .isEqualTo("ap_stuck_in_reset");
      JsonNode page = confirmed.path("alerts").get(0);
      assertThat(page.path("labels").path("alertname").asString()).isEqualTo("QemuVmStuckAtBoot");
      assertThat(page.path("generatorURL").asString())
          .isEqualTo("http://127.0.0.1:" + port + "/api/v1/vms/stuck-a");
      assertThat(page.path("annotations").path("evidence").asString()).contains("stuck_aps");
      assertThat(
              metric(
                  "qmp_sentinel_alert_deliveries_total{outcome=\"retry\",webhook=\"test-receiver\"}"))
          .isGreaterThanOrEqualTo(2);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> metric("qmp_sentinel_alert_spool_depth") == 0);
      assertThat(metric("qmp_sentinel_hang_confirmed{kind=\"ap_stuck_in_reset\",vm=\"stuck-a\"}"))
          .isEqualTo(1);
    }
    // Meanwhile the healthy guest, booted the same way, never raised anything.
    await("healthy-a stays clean")
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> hangKinds("healthy-a").isEmpty());
    assertThat(receiver.requests()).noneMatch(r -> r.body().contains("\"vm\":\"healthy-a\""));
    assertThat(receiver.requests()).anyMatch(r -> r.body().contains("\"vm\":\"stuck-a\""));
  }

  @Test
  void exposesMetricsWithTheVmsValues() {
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              assertThat(metric("qmp_sentinel_vm_up{vm=\"healthy-a\"}")).isEqualTo(1);
              assertThat(metric("qmp_sentinel_vm_running{vm=\"healthy-a\"}")).isEqualTo(1);
              assertThat(metric("qmp_sentinel_vm_vcpus{vm=\"healthy-a\"}")).isEqualTo(4);
              assertThat(metric("qmp_sentinel_vcpu_cpu_seconds_total{vcpu=\"0\",vm=\"healthy-a\"}"))
                  .isGreaterThan(0);
              assertThat(prometheus())
                  .contains("qmp_sentinel_qmp_command_seconds_count{command=\"query_status\"");
            });
  }

  @Test
  void theApiListsEachVmsProxySocketAndItsClients() throws Exception {
    Path socket = work.resolve("proxy").resolve("healthy-a.qmp");
    await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(socket));
    assertThat(Files.getPosixFilePermissions(socket))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
    try (org.qmpsentinel.qmp.QmpClient tool = org.qmpsentinel.qmp.QmpClient.create();
        org.qmpsentinel.qmp.QmpConnection qmp =
            tool.connect(org.qmpsentinel.qmp.QmpEndpoint.unix(socket)).get()) {
      assertThat(qmp.execute(org.qmpsentinel.qmp.QmpCommands.queryName()).get())
          .contains("healthy-a");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                JsonNode proxy = JSON.readTree(get("/api/v1/proxies")).get(0);
                assertThat(proxy.path("vm").asString()).isEqualTo("healthy-a");
                assertThat(proxy.path("path").asString()).isEqualTo(socket.toString());
                assertThat(proxy.path("mode").asString()).isEqualTo("deny");
                assertThat(proxy.path("upstreamConnected").asBoolean()).isTrue();
                JsonNode client = proxy.path("clients").get(0);
                assertThat(client.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
                assertThat(client.path("negotiated").asBoolean()).isTrue();
                assertThat(client.path("commands").asLong()).isEqualTo(2); // caps, query-name
              });
    }
    assertThat(prometheus())
        .contains("qmp_sentinel_proxy_commands_total{command=\"query-name\",outcome=\"forwarded\"");
  }

  @Test
  void discoversSocketsAppearingAndVanishingInTheDirectory() throws Exception {
    QemuVm late = QemuVm.healthy("late-b", 2, work.resolve("sock"));
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> vmNames().contains("late-b"));
    } finally {
      late.close(); // kills QEMU and removes the socket
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !vmNames().contains("late-b"));
  }

  @Test
  void hmpEndpointRefusesInfoRegistersAllDuringStartup() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> vmNames().contains("healthy-a"));
    HttpResponse<String> denied =
        hmp("healthy-a", "{\"command\":\"info registers -a\"}", "api-secret");
    assertThat(denied.statusCode()).isEqualTo(403);
    JsonNode body = JSON.readTree(denied.body());
    assertThat(body.path("reason").asString()).startsWith("startup_ap_sync:").contains("STARTUP");

    HttpResponse<String> harmless = hmp("healthy-a", "{\"command\":\"info cpus\"}", "api-secret");
    assertThat(harmless.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(harmless.body()).path("output").asString()).contains("CPU #0");

    assertThat(hmp("healthy-a", "{\"command\":\"info cpus\"}", "wrong").statusCode())
        .isEqualTo(401);
    assertThat(
            metric(
                "qmp_sentinel_intrusive_commands_total{decision=\"denied\",reason=\"startup_ap_sync\"}"))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void registersEndpointAndMetricsServeTheSamplersReadOfTheBsp() throws Exception {
    // On by default: in STARTUP the sampler reads the BSP alone, one read per 10 s.
    await("a register sample of healthy-a")
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> JSON.readTree(get("/api/v1/vms/healthy-a/registers")).path("vcpus").size() > 0);
    JsonNode view = JSON.readTree(get("/api/v1/vms/healthy-a/registers"));
    JsonNode bsp = view.path("vcpus").get(0);
    assertThat(bsp.path("cpu").asInt()).isZero();
    assertThat(bsp.path("mode").asString()).isIn("REAL", "PROTECTED", "LONG");
    assertThat(bsp.path("ip").asString()).matches("[0-9a-f]{16}");
    assertThat(bsp.path("cr0").asString()).matches("[0-9a-f]{8}");
    assertThat(bsp.path("ageSeconds").asDouble()).isBetween(0.0, 40.0);
    String mode = bsp.path("mode").asString();
    assertThat(
            metric(
                "qmp_sentinel_vcpu_mode{mode=\""
                    + mode.toLowerCase(Locale.ROOT)
                    + "\",vm=\"healthy-a\"}"))
        .isGreaterThanOrEqualTo(1);
    assertThat(metric("qmp_sentinel_register_sample_age_seconds{vm=\"healthy-a\"}"))
        .isBetween(0.0, 60.0);
    assertThat(
            HTTP.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/api/v1/vms/nope/registers"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private List<String> acceptedStates(String vm) {
    return receiver.accepted().stream()
        .map(r -> JSON.readTree(r.body()))
        .filter(n -> n.path("commonLabels").path("vm").asString().equals(vm))
        .map(
            n -> n.path("commonAnnotations").path("hang_state").asString().toUpperCase(Locale.ROOT))
        .toList();
  }

  private List<String> vmNames() throws Exception {
    JsonNode vms = JSON.readTree(get("/api/v1/vms"));
    return vms.valueStream().map(v -> v.path("name").asString()).toList();
  }

  private List<String> hangKinds(String vm) throws Exception {
    JsonNode hangs = JSON.readTree(get("/api/v1/hangs"));
    return hangs
        .valueStream()
        .filter(h -> h.path("vm").path("name").asString().equals(vm))
        .map(h -> h.path("kind").asString())
        .toList();
  }

  private HttpResponse<String> hmp(String vm, String body, String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/vms/" + vm + "/hmp"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String prometheus() throws Exception {
    return get("/metrics");
  }

  private double metric(String series) throws Exception {
    for (String line : prometheus().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  private String get(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
