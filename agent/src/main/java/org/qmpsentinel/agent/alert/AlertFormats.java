package org.qmpsentinel.agent.alert;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.qmpsentinel.agent.alert.HangAlerts.Alert;
import org.qmpsentinel.hang.HangEvent;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON bodies of {@link HangAlerts}: Alertmanager's {@code /api/v2/alerts} form, and its
 * webhook notification (version 4) for generic receivers, so a receiver written for Alertmanager's
 * {@code webhook_configs} takes the agent's notifications unchanged.
 */
public final class AlertFormats {
  private static final JsonMapper JSON = JsonMapper.shared();

  /** Alertmanager's zero time: {@code endsAt} of a firing alert in a webhook notification. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  /** The labels a generic notification is grouped by: one hang of one VM. */
  private static final List<String> GROUP_BY = List.of("host", "kind", "vm");

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private AlertFormats() {}

  /** The stable de-duplication key of a notification. */
  public static String key(HangEvent e) {
    return e.vm().id() + "|" + e.kind() + "|" + e.state() + "|" + e.since();
  }

  /** Alertmanager alerts for one state change ({@code POST /api/v2/alerts}). */
  public static String alertmanager(HangEvent e, AlertSite site, Instant now) {
    return postableAlerts(HangAlerts.of(e, site, now));
  }

  /** Still-active alerts re-posted so Alertmanager does not time them out. */
  public static String alertmanagerRefresh(Iterable<HangEvent> active, AlertSite site) {
    List<Alert> alerts = new java.util.ArrayList<>();
    for (HangEvent e : active) {
      alerts.add(HangAlerts.active(e, site));
    }
    return postableAlerts(alerts);
  }

  /**
   * One state change as Alertmanager's webhook would notify it with {@code group_by: [host, kind,
   * vm]}: every alert of that hang (the firing one and the one it ends), {@code receiver} the
   * webhook's name, {@code externalURL} the agent's.
   */
  public static String webhook(HangEvent e, AlertSite site, String receiver, Instant now) {
    List<Alert> alerts = HangAlerts.of(e, site, now);
    ObjectNode n = JSON.createObjectNode();
    n.put("receiver", receiver);
    n.put("status", alerts.stream().anyMatch(Alert::firing) ? "firing" : "resolved");
    ArrayNode list = n.putArray("alerts");
    for (Alert a : alerts) {
      ObjectNode o = list.addObject();
      o.put("status", a.firing() ? "firing" : "resolved");
      o.set("labels", JSON.valueToTree(a.labels()));
      o.set("annotations", JSON.valueToTree(a.annotations()));
      o.put("startsAt", a.startsAt().toString());
      o.put("endsAt", a.endsAt() == null ? ZERO_TIME : a.endsAt().toString());
      o.put("generatorURL", a.generatorUrl());
      o.put("fingerprint", fingerprint(a.labels()));
    }
    Map<String, String> groupLabels = new TreeMap<>(alerts.get(0).labels());
    groupLabels.keySet().retainAll(GROUP_BY);
    n.set("groupLabels", JSON.valueToTree(groupLabels));
    n.set("commonLabels", JSON.valueToTree(common(alerts.stream().map(Alert::labels).toList())));
    n.set(
        "commonAnnotations",
        JSON.valueToTree(common(alerts.stream().map(Alert::annotations).toList())));
    n.put("externalURL", HangAlerts.baseUrl(site));
    n.put("version", "4");
    n.put("groupKey", "{}:" + labelSet(groupLabels));
    n.put("truncatedAlerts", 0);
    return JSON.writeValueAsString(n);
  }

  /**
   * Alertmanager's fingerprint of a label set (FNV-1a 64 over the sorted names and values, each
   * followed by 0xff; printed as 16 hex digits), so a receiver can correlate our notifications with
   * Alertmanager's for the same alert.
   */
  public static String fingerprint(Map<String, String> labels) {
    long h = FNV_OFFSET;
    for (Map.Entry<String, String> l : new TreeMap<>(labels).entrySet()) {
      h = separator(hash(separator(hash(h, l.getKey())), l.getValue()));
    }
    return String.format("%016x", h);
  }

  private static long hash(long h, String s) {
    long x = h;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      x = (x ^ (b & 0xff)) * FNV_PRIME;
    }
    return x;
  }

  private static long separator(long h) {
    return (h ^ 0xff) * FNV_PRIME;
  }

  /** Alertmanager's text form of a label set: {@code {a="1", b="2"}}. */
  private static String labelSet(Map<String, String> sorted) {
    StringBuilder s = new StringBuilder("{");
    sorted.forEach(
        (k, v) ->
            s.append(s.length() > 1 ? ", " : "")
                .append(k)
                .append("=")
                .append(JSON.writeValueAsString(v)));
    return s.append("}").toString();
  }

  /** The entries every map has with the same value. */
  private static Map<String, String> common(List<Map<String, String>> maps) {
    Map<String, String> common = new LinkedHashMap<>(maps.get(0));
    for (Map<String, String> m : maps.subList(1, maps.size())) {
      common.entrySet().removeIf(en -> !en.getValue().equals(m.get(en.getKey())));
    }
    return common;
  }

  private static String postableAlerts(List<Alert> alerts) {
    ArrayNode list = JSON.createArrayNode();
    for (Alert a : alerts) {
      ObjectNode o = list.addObject();
      o.set("labels", JSON.valueToTree(a.labels()));
      o.set("annotations", JSON.valueToTree(a.annotations()));
      o.put("startsAt", a.startsAt().toString());
      if (a.endsAt() != null) {
        o.put("endsAt", a.endsAt().toString());
      }
      o.put("generatorURL", a.generatorUrl());
    }
    return JSON.writeValueAsString(list);
  }
}
