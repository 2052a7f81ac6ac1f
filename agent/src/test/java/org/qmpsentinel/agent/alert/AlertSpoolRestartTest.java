package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.VmId;

/**
 * Alerts raised while the receiver is down survive an agent restart: a second AlertService on the
 * same spool delivers every one of them, in order, exactly once — and re-raising an already
 * delivered notification sends nothing. Real HTTP server on loopback.
 */
class AlertSpoolRestartTest {

  @Test
  void nothingLostNothingDuplicatedAcrossRestart() throws Exception {
    Path spool = Files.createTempDirectory("spool");
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      receiver.failNext(Integer.MAX_VALUE); // outage
      List<HangEvent> events =
          List.of(
              event(HangState.SUSPECTED), event(HangState.CONFIRMED), event(HangState.RESOLVED));

      AlertService first = service(spool, receiver);
      first.start();
      events.forEach(e -> first.onHangEvent(null, e));
      await().atMost(Duration.ofSeconds(5)).until(() -> !receiver.requests().isEmpty());
      first.close(); // the agent stops during the outage
      assertThat(first.spoolDepth()).isEqualTo(3);
      assertThat(receiver.accepted()).isEmpty();

      receiver.failNext(0); // the receiver is back
      AlertService second = service(spool, receiver);
      second.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 3);
      assertThat(receiver.accepted())
          .extracting(r -> Alerts.summary(r.body()))
          .containsExactly("vm-1 SUSPECTED", "vm-1 CONFIRMED", "vm-1 RESOLVED");

      second.onHangEvent(null, events.get(1)); // the same notification raised again
      await().atMost(Duration.ofSeconds(5)).until(() -> second.spoolDepth() == 0);
      assertThat(receiver.accepted()).hasSize(3);
      second.close();
    }
  }

  private static AlertService service(Path spool, WebhookReceiver receiver) throws Exception {
    SentinelProperties.Alerting config =
        new SentinelProperties.Alerting(
            List.of(
                new SentinelProperties.Webhook(
                    "r",
                    receiver.url(),
                    WebhookMode.GENERIC,
                    null,
                    null,
                    null,
                    Duration.ofSeconds(2))),
            spool,
            Duration.ofMillis(50),
            Duration.ofMillis(200),
            Duration.ofSeconds(60),
            Duration.ofMinutes(10),
            URI.create(SentinelProperties.Alerting.DEFAULT_RUNBOOK_BASE_URL),
            java.util.Map.of());
    return new AlertService(config, Alerts.site("host-1"));
  }

  private static HangEvent event(HangState state) {
    Instant since = Instant.parse("2026-11-25T04:00:00Z");
    return new HangEvent(
        new VmId("vm-1", "vm-1", ""),
        HangKind.AP_STUCK_IN_RESET,
        state,
        new Evidence(
            Evidence.Confidence.HIGH, "APs [1] never ran", Map.of("stuck_aps", List.of(1))),
        since,
        since.plusSeconds(state.ordinal()));
  }
}
