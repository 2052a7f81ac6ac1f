package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.VmId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AlertFormatsTest {
  private static final Instant SINCE = Instant.parse("2026-11-25T04:00:00Z");
  private static final JsonMapper JSON = JsonMapper.shared();
  private static final AlertSite SITE =
      new AlertSite(
          "hv-1",
          Map.of("cluster", "eu-1"),
          URI.create("https://docs.example.org/qmp-sentinel/runbooks.md"),
          () -> URI.create("http://hv-1.example.org:9180/"));

  private static HangEvent event(HangKind kind, HangState state) {
    return new HangEvent(
        new VmId("u-1", "web-1", "u-1"),
        kind,
        state,
        new Evidence(Evidence.Confidence.HIGH, "APs [1] never ran", Map.of("stuck_aps", 1)),
        SINCE,
        SINCE.plusSeconds(15));
  }

  private static HangEvent event(HangState state) {
    return event(HangKind.AP_STUCK_IN_RESET, state);
  }

  /** The whole notification, field by field, against Alertmanager's webhook format. */
  @Test
  void webhookConfirmedIsAlertmanagersVersion4Payload() throws Exception {
    JsonNode golden;
    try (InputStream in = getClass().getResourceAsStream("/alert/webhook-confirmed.json")) {
      golden = JSON.readTree(in);
    }
    JsonNode body =
        JSON.readTree(
            AlertFormats.webhook(event(HangState.CONFIRMED), SITE, "pager", SINCE.plusSeconds(15)));
    assertThat(body).isEqualTo(golden);
    assertThat(fieldNames(body))
        .containsExactly(
            "receiver",
            "status",
            "alerts",
            "groupLabels",
            "commonLabels",
            "commonAnnotations",
            "externalURL",
            "version",
            "groupKey",
            "truncatedAlerts");
  }

  @Test
  void webhookSuspectedFiresOneWarningAndResolvedEndsBoth() {
    JsonNode suspected =
        JSON.readTree(AlertFormats.webhook(event(HangState.SUSPECTED), SITE, "r", SINCE));
    assertThat(suspected.path("status").asString()).isEqualTo("firing");
    assertThat(suspected.path("alerts")).hasSize(1);
    assertThat(suspected.path("commonLabels").path("alertname").asString())
        .isEqualTo("QemuVmStuckAtBootSuspected");
    assertThat(suspected.path("commonLabels").path("severity").asString()).isEqualTo("warning");

    JsonNode resolved =
        JSON.readTree(
            AlertFormats.webhook(event(HangState.RESOLVED), SITE, "r", SINCE.plusSeconds(60)));
    assertThat(resolved.path("status").asString()).isEqualTo("resolved");
    assertThat(resolved.path("alerts"))
        .hasSize(2)
        .allMatch(a -> a.path("status").asString().equals("resolved"))
        .allMatch(a -> a.path("endsAt").asString().equals(SINCE.plusSeconds(60).toString()));
    assertThat(resolved.path("commonAnnotations").path("hang_state").asString())
        .isEqualTo("resolved");
  }

  /** Monitor hangs are one critical alert from the suspicion on, as the rule fires them. */
  @Test
  void monitorUnresponsiveConfirmedKeepsTheSameAlertFiring() {
    JsonNode alerts =
        JSON.readTree(
            AlertFormats.alertmanager(
                event(HangKind.MONITOR_UNRESPONSIVE, HangState.CONFIRMED), SITE, SINCE));
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).path("labels").path("alertname").asString())
        .isEqualTo("QemuMonitorUnresponsive");
    assertThat(alerts.get(0).path("labels").path("kind").asString())
        .isEqualTo("monitor_unresponsive");
    assertThat(alerts.get(0).has("endsAt")).isFalse();
  }

  @Test
  void alertmanagerConfirmedFiresCriticalAndEndsTheWarning() {
    JsonNode alerts =
        JSON.readTree(
            AlertFormats.alertmanager(event(HangState.CONFIRMED), SITE, SINCE.plusSeconds(15)));
    assertThat(alerts).hasSize(2);
    JsonNode critical = alerts.get(0);
    assertThat(fieldNames(critical.path("labels")))
        .containsExactly("alertname", "cluster", "host", "kind", "severity", "vm");
    assertThat(critical.path("labels").path("alertname").asString()).isEqualTo("QemuVmStuckAtBoot");
    assertThat(critical.path("labels").path("severity").asString()).isEqualTo("critical");
    assertThat(critical.path("labels").path("host").asString()).isEqualTo("hv-1");
    assertThat(critical.path("annotations").path("uuid").asString()).isEqualTo("u-1");
    assertThat(critical.path("annotations").path("runbook_url").asString())
        .isEqualTo("https://docs.example.org/qmp-sentinel/runbooks.md#qemuvmstuckatboot");
    assertThat(critical.path("generatorURL").asString())
        .isEqualTo("http://hv-1.example.org:9180/api/v1/vms/u-1");
    assertThat(critical.path("startsAt").asString()).isEqualTo(SINCE.toString());
    assertThat(critical.has("endsAt")).isFalse();
    assertThat(alerts.get(1).path("labels").path("alertname").asString())
        .isEqualTo("QemuVmStuckAtBootSuspected");
    assertThat(alerts.get(1).path("endsAt").asString()).isEqualTo(SINCE.plusSeconds(15).toString());
  }

  @Test
  void alertmanagerResolvedEndsBoth() {
    JsonNode alerts =
        JSON.readTree(
            AlertFormats.alertmanager(event(HangState.RESOLVED), SITE, SINCE.plusSeconds(60)));
    assertThat(alerts)
        .hasSize(2)
        .allMatch(a -> a.path("endsAt").asString().equals(SINCE.plusSeconds(60).toString()));
  }

  @Test
  void generatorUrlEscapesTheVmId() {
    HangEvent e =
        new HangEvent(
            new VmId("web 1/a", "web 1/a", ""),
            HangKind.UNEXPECTED_PAUSE,
            HangState.CONFIRMED,
            new Evidence(Evidence.Confidence.HIGH, "guest-panicked", Map.of()),
            SINCE,
            SINCE);
    assertThat(HangAlerts.vmUrl(SITE, e))
        .isEqualTo("http://hv-1.example.org:9180/api/v1/vms/web%201%2Fa");
  }

  /** Values computed independently (Python, FNV-1a 64) for Alertmanager's fingerprint. */
  @Test
  void fingerprintIsAlertmanagers() {
    assertThat(AlertFormats.fingerprint(Map.of("alertname", "test"))).isEqualTo("1f56cb8f931d1bd4");
  }

  @Test
  void keyIsStableAcrossSuspectedAndConfirmedButDistinguishesThem() {
    assertThat(AlertFormats.key(event(HangState.SUSPECTED)))
        .isEqualTo(AlertFormats.key(event(HangState.SUSPECTED)));
    assertThat(AlertFormats.key(event(HangState.SUSPECTED)))
        .isNotEqualTo(AlertFormats.key(event(HangState.CONFIRMED)));
  }

  private static List<String> fieldNames(JsonNode n) {
    return n.propertyNames().stream().toList();
  }
}
