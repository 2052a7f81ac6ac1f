package org.qmpsentinel.agent.alert;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Alertmanager alerts a hang state change means. Names, severities and labels are those of the
 * shipped Prometheus rules (deploy/prometheus/qmp-sentinel-rules.yml), so that when both the rules
 * and the agent report one hang, Alertmanager sees one alert (same label set) and notifies once:
 * labels {@code alertname, host, vm, kind, severity} and the configured extra labels; everything
 * else is an annotation.
 */
final class HangAlerts {
  private static final JsonMapper JSON = JsonMapper.shared();

  /** One alert: firing when {@code endsAt} is null. */
  record Alert(
      Map<String, String> labels,
      Map<String, String> annotations,
      Instant startsAt,
      @Nullable Instant endsAt,
      String generatorUrl) {
    boolean firing() {
      return endsAt == null;
    }
  }

  /** An alert's identity apart from the VM: its name and severity. */
  record Rule(String alertname, String severity, String summary, String description) {}

  private HangAlerts() {}

  /**
   * The rule a hang of {@code kind} in {@code state} (SUSPECTED or CONFIRMED) fires. A suspected
   * stuck boot is a warning of its own; an unresponsive monitor is critical from the suspicion on
   * (the rule fires on either state); an unexpected pause is only ever confirmed; a boot stalled in
   * firmware is, like a stuck boot, a warning until confirmed.
   */
  static Rule rule(HangKind kind, HangState state) {
    return switch (kind) {
      case AP_STUCK_IN_RESET ->
          state == HangState.SUSPECTED
              ? new Rule(
                  "QemuVmStuckAtBootSuspected",
                  "warning",
                  "VM %s on %s is suspected stuck at boot",
                  "Evidence that the application processors never left the reset vector is held"
                      + " but not yet confirmed.")
              : new Rule(
                  "QemuVmStuckAtBoot",
                  "critical",
                  "VM %s on %s is hung at boot (APs stuck at the reset vector)",
                  "qmp-sentinel confirmed that application processors never left the reset"
                      + " vector while the boot CPU spins. The VM will not finish booting by"
                      + " itself.");
      case BOOT_STALLED_IN_FIRMWARE ->
          state == HangState.SUSPECTED
              ? new Rule(
                  "QemuVmBootStalledInFirmwareSuspected",
                  "warning",
                  "VM %s on %s is suspected stalled in its firmware",
                  "The boot CPU has not halted since the boot began, far longer than a boot takes,"
                      + " while its registers stay in firmware and every AP has run.")
              : new Rule(
                  "QemuVmBootStalledInFirmware",
                  "critical",
                  "VM %s on %s is stalled in its firmware",
                  "qmp-sentinel confirmed that the boot CPU spins in firmware without halting"
                      + " (OVMF waiting for an AP that never signals). The VM will not finish"
                      + " booting by itself.");
      case MONITOR_UNRESPONSIVE ->
          new Rule(
              "QemuMonitorUnresponsive",
              "critical",
              "QEMU monitor of %s on %s does not answer",
              "QMP commands time out while the QEMU process is alive: its main loop is stuck.");
      case UNEXPECTED_PAUSE ->
          new Rule(
              "QemuVmUnexpectedPause",
              "critical",
              "VM %s on %s stopped unexpectedly",
              "Run state internal-error, io-error, guest-panicked, or shutdown without restart.");
    };
  }

  /**
   * The alerts of one state change: SUSPECTED fires its rule; CONFIRMED fires its rule and ends the
   * suspected one where that is a different alert; RESOLVED ends both.
   */
  static List<Alert> of(HangEvent e, AlertSite site, Instant now) {
    Rule suspected = rule(e.kind(), HangState.SUSPECTED);
    Rule confirmed = rule(e.kind(), HangState.CONFIRMED);
    List<Alert> alerts = new ArrayList<>();
    switch (e.state()) {
      case SUSPECTED -> alerts.add(alert(e, suspected, site, null));
      case CONFIRMED -> {
        alerts.add(alert(e, confirmed, site, null));
        if (!suspected.alertname().equals(confirmed.alertname())) {
          alerts.add(alert(e, suspected, site, now));
        }
      }
      case RESOLVED -> {
        alerts.add(alert(e, confirmed, site, now));
        if (!suspected.alertname().equals(confirmed.alertname())) {
          alerts.add(alert(e, suspected, site, now));
        }
      }
    }
    return alerts;
  }

  /** A still-active hang's alert, as re-posted so that Alertmanager does not time it out. */
  static Alert active(HangEvent e, AlertSite site) {
    return alert(e, rule(e.kind(), e.state()), site, null);
  }

  private static Alert alert(HangEvent e, Rule rule, AlertSite site, @Nullable Instant endsAt) {
    String vm = e.vm().name();
    Map<String, String> labels = new TreeMap<>(site.labels());
    labels.put("alertname", rule.alertname());
    labels.put("host", site.host());
    labels.put("vm", vm);
    labels.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
    labels.put("severity", rule.severity());
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("summary", rule.summary().formatted(vm, site.host()));
    annotations.put("description", rule.description() + " " + e.evidence().summary());
    annotations.put(
        "runbook_url", site.runbookBase() + "#" + rule.alertname().toLowerCase(Locale.ROOT));
    annotations.put("hang_state", e.state().name().toLowerCase(Locale.ROOT));
    annotations.put("confidence", e.evidence().confidence().name().toLowerCase(Locale.ROOT));
    annotations.put("uuid", e.vm().uuid());
    annotations.put("evidence", JSON.writeValueAsString(new TreeMap<>(e.evidence().figures())));
    Instant starts = e.since() != null ? e.since() : e.at();
    return new Alert(labels, annotations, starts, endsAt, vmUrl(site, e));
  }

  /** The agent's API view of the VM: {@code <external-url>/api/v1/vms/<id>}. */
  static String vmUrl(AlertSite site, HangEvent e) {
    return baseUrl(site)
        + "/api/v1/vms/"
        + URLEncoder.encode(e.vm().id(), StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The agent's external URL without a trailing slash. */
  static String baseUrl(AlertSite site) {
    return site.externalUrl().get().toString().replaceAll("/+$", "");
  }
}
