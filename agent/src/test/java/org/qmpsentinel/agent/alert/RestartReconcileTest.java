package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.qmpsentinel.agent.alert.Alerts.event;
import static org.qmpsentinel.agent.alert.Alerts.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fault 7: the agent is killed with hangs active; while it is down one VM recovers, one stays hung
 * and one is destroyed. After the restart the recovered VM's RESOLVED is sent once its VM is seen
 * STEADY without the hang, the destroyed VM's once it has not been seen for resolve-unseen-after,
 * and the VM still hung gets none (nor does it before its detector speaks again).
 */
class RestartReconcileTest {
  private static final Duration INITIAL = Duration.ofMillis(50);
  private static final Duration MAX = Duration.ofMillis(200);

  @TempDir Path spool;

  @Test
  void hangsThatEndedWhileTheAgentWasDownAreResolved() throws Exception {
    try (ScriptedReceiver receiver = new ScriptedReceiver()) {
      receiver.answer(body -> 503); // nothing delivered before the kill: all of it is spooled
      AlertService killed = service(receiver, Duration.ofMinutes(10));
      killed.start();
      for (String vm : List.of("recovered", "hung", "destroyed")) {
        killed.onHangEvent(null, event(vm, HangState.CONFIRMED));
      }
      // Like SIGKILL: nothing is flushed at close, every write happened before onHangEvent
      // returned.
      killed.close();

      receiver.answer(body -> 200);
      AlertService alerts = service(receiver, Duration.ofMillis(500));
      alerts.start();
      alerts.onSnapshot(snapshot("hung", true, Phase.STARTUP, List.of()));
      alerts.onSnapshot(snapshot("recovered", true, Phase.STARTUP, List.of()));
      alerts.onSnapshot(snapshot("recovered", true, Phase.STEADY, List.of()));
      alerts.onSnapshot(snapshot("recovered", true, Phase.STEADY, List.of())); // still one RESOLVED

      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 5);
      assertThat(receiver.accepted().stream().map(Alerts::summary))
          .containsExactly(
              "recovered CONFIRMED",
              "hung CONFIRMED",
              "destroyed CONFIRMED",
              "recovered RESOLVED",
              "destroyed RESOLVED");
      assertThat(receiver.accepted().get(3)).contains(RestartReconciler.RESOLVED_WHILE_DOWN);
      assertThat(receiver.accepted().get(4)).contains(RestartReconciler.NOT_SEEN);

      // The hung VM's detector re-raises it; that hang is no longer the reloaded one.
      HangEvent again = event("hung", HangState.SUSPECTED);
      alerts.onHangEvent(null, again);
      alerts.onSnapshot(snapshot("hung", true, Phase.STEADY, List.of(again)));
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 6);
      assertThat(Alerts.summary(receiver.accepted().get(5))).isEqualTo("hung SUSPECTED");
      alerts.close();
    }
  }

  /** Alertmanager keeps seeing, after a restart, the hangs that were active before it. */
  @Test
  void reloadedHangsAreRepostedToAlertmanager() throws Exception {
    try (ScriptedReceiver receiver = new ScriptedReceiver()) {
      AlertService before = service(receiver, Duration.ofMinutes(10));
      before.start();
      before.onHangEvent(null, event("hung", HangState.CONFIRMED));
      await().atMost(Duration.ofSeconds(5)).until(() -> receiver.accepted().size() == 1);
      before.close();

      AlertService alerts =
          new AlertService(
              new org.qmpsentinel.agent.config.SentinelProperties.Alerting(
                  List.of(Alerts.webhook(receiver.url(), WebhookMode.ALERTMANAGER)),
                  spool,
                  INITIAL,
                  MAX,
                  Duration.ofMillis(100),
                  Duration.ofMinutes(10),
                  java.net.URI.create(
                      org.qmpsentinel.agent.config.SentinelProperties.Alerting
                          .DEFAULT_RUNBOOK_BASE_URL),
                  java.util.Map.of()),
              Alerts.site("h"));
      alerts.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> receiver.accepted().size() >= 2);
      JsonNode refresh = JsonMapper.shared().readTree(receiver.accepted().get(1));
      assertThat(refresh.get(0).path("labels").path("vm").asString()).isEqualTo("hung");
      assertThat(refresh.get(0).path("labels").path("severity").asString()).isEqualTo("critical");
      assertThat(refresh.get(0).has("endsAt")).isFalse();
      alerts.close();
    }
  }

  private AlertService service(ScriptedReceiver receiver, Duration resolveUnseenAfter) {
    return new AlertService(
        Alerts.config(
            spool,
            Alerts.webhook(receiver.url(), WebhookMode.GENERIC),
            INITIAL,
            MAX,
            resolveUnseenAfter),
        Alerts.site("h"));
  }
}
