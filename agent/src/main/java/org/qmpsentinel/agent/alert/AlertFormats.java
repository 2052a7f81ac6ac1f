package org.qmpsentinel.agent.alert;

import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The JSON bodies: our generic form and Alertmanager's {@code /api/v2/alerts} form. */
public final class AlertFormats {
  private static final JsonMapper JSON = JsonMapper.shared();

  private AlertFormats() {}

  /** The stable de-duplication key of a notification. */
  public static String key(HangEvent e) {
    return e.vm().id() + "|" + e.kind() + "|" + e.state() + "|" + e.since();
  }

  public static String alertName(HangKind kind) {
    return switch (kind) {
      case AP_STUCK_IN_RESET -> "QemuApStuckInReset";
      case BOOT_STALLED_IN_FIRMWARE -> "QemuBootStalledInFirmware";
      case MONITOR_UNRESPONSIVE -> "QemuMonitorUnresponsive";
      case UNEXPECTED_PAUSE -> "QemuUnexpectedPause";
    };
  }

  public static String generic(HangEvent e, String host) {
    ObjectNode n = JSON.createObjectNode();
    n.put("vm", e.vm().name());
    n.put("vmId", e.vm().id());
    n.put("uuid", e.vm().uuid());
    n.put("host", host);
    n.put("kind", e.kind().name());
    n.put("state", e.state().name());
    n.put("since", String.valueOf(e.since()));
    n.put("at", e.at().toString());
    n.put("confidence", e.evidence().confidence().name());
    n.put("summary", e.evidence().summary());
    n.set("evidence", JSON.valueToTree(e.evidence().figures()));
    return JSON.writeValueAsString(n);
  }

  /**
   * Alertmanager alerts for one state change. The SUSPECTED (warning) and CONFIRMED (critical)
   * alerts differ in severity, so each change also ends the alert it replaces; RESOLVED ends both
   * with {@code endsAt}.
   */
  public static String alertmanager(HangEvent e, String host, Instant now) {
    ArrayNode alerts = JSON.createArrayNode();
    Instant starts = e.since() != null ? e.since() : e.at();
    switch (e.state()) {
      case SUSPECTED -> alerts.add(alert(e, host, "warning", starts, null));
      case CONFIRMED -> {
        alerts.add(alert(e, host, "critical", starts, null));
        alerts.add(alert(e, host, "warning", starts, now));
      }
      case RESOLVED -> {
        alerts.add(alert(e, host, "critical", starts, now));
        alerts.add(alert(e, host, "warning", starts, now));
      }
    }
    return JSON.writeValueAsString(alerts);
  }

  /** A still-active alert re-posted so Alertmanager does not time it out. */
  public static String alertmanagerRefresh(Iterable<HangEvent> active, String host) {
    ArrayNode alerts = JSON.createArrayNode();
    for (HangEvent e : active) {
      String severity = e.state() == HangState.CONFIRMED ? "critical" : "warning";
      alerts.add(alert(e, host, severity, e.since() != null ? e.since() : e.at(), null));
    }
    return JSON.writeValueAsString(alerts);
  }

  private static ObjectNode alert(
      HangEvent e, String host, String severity, Instant starts, @Nullable Instant ends) {
    ObjectNode a = JSON.createObjectNode();
    ObjectNode labels = a.putObject("labels");
    labels.put("alertname", alertName(e.kind()));
    labels.put("vm", e.vm().name());
    labels.put("uuid", e.vm().uuid());
    labels.put("kind", e.kind().name());
    labels.put("host", host);
    labels.put("severity", severity);
    ObjectNode annotations = a.putObject("annotations");
    annotations.put(
        "summary",
        e.vm().name()
            + ": "
            + e.kind().name().toLowerCase(Locale.ROOT)
            + " "
            + e.state().name().toLowerCase(Locale.ROOT));
    annotations.put("description", e.evidence().summary());
    annotations.put("confidence", e.evidence().confidence().name());
    annotations.put("evidence", JSON.writeValueAsString(e.evidence().figures()));
    a.put("startsAt", starts.toString());
    if (ends != null) {
      a.put("endsAt", ends.toString());
    }
    return a;
  }
}
