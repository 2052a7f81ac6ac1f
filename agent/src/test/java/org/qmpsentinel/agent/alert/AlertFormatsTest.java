package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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

  private static HangEvent event(HangState state) {
    return new HangEvent(
        new VmId("u-1", "web-1", "u-1"),
        HangKind.AP_STUCK_IN_RESET,
        state,
        new Evidence(Evidence.Confidence.HIGH, "APs [1] never ran", Map.of("stuck_aps", 1)),
        SINCE,
        SINCE.plusSeconds(15));
  }

  @Test
  void alertmanagerConfirmedFiresCriticalAndEndsTheWarning() {
    JsonNode alerts =
        JsonMapper.shared()
            .readTree(
                AlertFormats.alertmanager(
                    event(HangState.CONFIRMED), "hv-1", SINCE.plusSeconds(15)));
    assertThat(alerts).hasSize(2);
    JsonNode critical = alerts.get(0);
    assertThat(critical.path("labels").path("alertname").asString())
        .isEqualTo("QemuApStuckInReset");
    assertThat(critical.path("labels").path("severity").asString()).isEqualTo("critical");
    assertThat(critical.path("labels").path("host").asString()).isEqualTo("hv-1");
    assertThat(critical.path("labels").path("uuid").asString()).isEqualTo("u-1");
    assertThat(critical.path("startsAt").asString()).isEqualTo(SINCE.toString());
    assertThat(critical.has("endsAt")).isFalse();
    assertThat(alerts.get(1).path("labels").path("severity").asString()).isEqualTo("warning");
    assertThat(alerts.get(1).path("endsAt").asString()).isEqualTo(SINCE.plusSeconds(15).toString());
  }

  @Test
  void alertmanagerResolvedEndsBoth() {
    JsonNode alerts =
        JsonMapper.shared()
            .readTree(
                AlertFormats.alertmanager(
                    event(HangState.RESOLVED), "hv-1", SINCE.plusSeconds(60)));
    assertThat(alerts)
        .allMatch(a -> a.path("endsAt").asString().equals(SINCE.plusSeconds(60).toString()));
  }

  @Test
  void keyIsStableAcrossSuspectedAndConfirmedButDistinguishesThem() {
    assertThat(AlertFormats.key(event(HangState.SUSPECTED)))
        .isEqualTo(AlertFormats.key(event(HangState.SUSPECTED)));
    assertThat(AlertFormats.key(event(HangState.SUSPECTED)))
        .isNotEqualTo(AlertFormats.key(event(HangState.CONFIRMED)));
  }

  @Test
  void genericCarriesEvidence() {
    JsonNode body =
        JsonMapper.shared().readTree(AlertFormats.generic(event(HangState.SUSPECTED), "hv-1"));
    assertThat(body.path("vm").asString()).isEqualTo("web-1");
    assertThat(body.path("state").asString()).isEqualTo("SUSPECTED");
    assertThat(body.path("evidence").path("stuck_aps").asInt()).isEqualTo(1);
  }
}
