package org.qmpsentinel.agent.alert;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.VmId;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Values the alert tests share: configurations, hang events and VM snapshots. */
final class Alerts {
  static final Instant SINCE = Instant.parse("2026-11-25T04:00:00Z");

  private Alerts() {}

  static SentinelProperties.Webhook webhook(URI url, WebhookMode mode) {
    return new SentinelProperties.Webhook("r", url, mode, null, null, null, Duration.ofSeconds(2));
  }

  static SentinelProperties.Alerting config(
      Path spool, URI url, Duration retryInitial, Duration retryMax) {
    return config(
        spool, webhook(url, WebhookMode.GENERIC), retryInitial, retryMax, Duration.ofMinutes(10));
  }

  static SentinelProperties.Alerting config(
      Path spool,
      SentinelProperties.Webhook webhook,
      Duration retryInitial,
      Duration retryMax,
      Duration resolveUnseenAfter) {
    return new SentinelProperties.Alerting(
        List.of(webhook),
        spool,
        retryInitial,
        retryMax,
        Duration.ofSeconds(60),
        resolveUnseenAfter,
        URI.create(SentinelProperties.Alerting.DEFAULT_RUNBOOK_BASE_URL),
        Map.of());
  }

  static HangEvent event(String vm, HangState state) {
    return new HangEvent(
        new VmId(vm, vm, ""),
        HangKind.AP_STUCK_IN_RESET,
        state,
        new Evidence(
            Evidence.Confidence.HIGH, "APs [1] never ran", Map.of("stuck_aps", List.of(1))),
        SINCE,
        SINCE.plusSeconds(state.ordinal()));
  }

  static VmSnapshot snapshot(String vm, boolean connected, Phase phase, List<HangEvent> active) {
    return new VmSnapshot(
        "unix:/run/" + vm + ".qmp",
        vm,
        "",
        "unix:/run/" + vm + ".qmp",
        "test",
        1,
        connected,
        true,
        "running",
        phase,
        "7.2.0",
        true,
        true,
        List.of(),
        active,
        org.qmpsentinel.hang.BaselineQuality.ABSOLUTE,
        0,
        Instant.now(),
        List.of());
  }

  /** A site on {@code host} whose API is at http://127.0.0.1:9180. */
  static AlertSite site(String host) {
    return new AlertSite(
        host,
        Map.of(),
        URI.create(SentinelProperties.Alerting.DEFAULT_RUNBOOK_BASE_URL),
        () -> URI.create("http://127.0.0.1:9180"));
  }

  /** "vm STATE" of a generic (Alertmanager webhook) notification body, for order assertions. */
  static String summary(String body) {
    JsonNode n = JsonMapper.shared().readTree(body);
    return n.path("commonLabels").path("vm").asString()
        + " "
        + n.path("commonAnnotations").path("hang_state").asString().toUpperCase(Locale.ROOT);
  }

  /** The hang's own evidence summary: the end of the firing (or first) alert's description. */
  static String reason(String body) {
    return JsonMapper.shared()
        .readTree(body)
        .path("alerts")
        .get(0)
        .path("annotations")
        .path("description")
        .asString();
  }
}
