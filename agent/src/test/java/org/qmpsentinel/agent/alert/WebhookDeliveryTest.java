package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.qmpsentinel.agent.alert.Alerts.event;
import static org.qmpsentinel.agent.alert.Alerts.summary;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.hang.HangState;

/**
 * Delivery to one real receiver on loopback through its failures: rejections, an outage that
 * answers 503, one that refuses connections, a slow receiver. Every alert arrives exactly once and
 * in order, and the attempts stay within what the configured backoff allows.
 */
class WebhookDeliveryTest {
  private static final Duration INITIAL = Duration.ofMillis(100);
  private static final Duration MAX = Duration.ofMillis(400);

  @TempDir Path spool;
  private ScriptedReceiver receiver;
  private AlertService alerts;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws IOException {
    receiver = new ScriptedReceiver();
    alerts =
        new AlertService(Alerts.config(spool, receiver.url(), INITIAL, MAX), Alerts.site("host-1"));
    alerts.bindTo(registry);
    alerts.start();
  }

  @AfterEach
  void stop() {
    alerts.close();
    receiver.close();
  }

  /** Fault 5: one 400 was re-posted 24 times in 24 s and blocked the 3 alerts behind it. */
  @Test
  void aRejectedAlertIsDeadLetteredOnceAndTheOthersFollowInOrder() throws IOException {
    receiver.answer(body -> body.contains("\"vm\":\"bad\"") ? 400 : 200);
    alerts.onHangEvent(null, event("bad", HangState.SUSPECTED));
    alerts.onHangEvent(null, event("a", HangState.SUSPECTED));
    alerts.onHangEvent(null, event("a", HangState.CONFIRMED));
    alerts.onHangEvent(null, event("a", HangState.RESOLVED));

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 3);
    assertThat(receiver.accepted().stream().map(Alerts::summary))
        .containsExactly("a SUSPECTED", "a CONFIRMED", "a RESOLVED");
    assertThat(receiver.requests()).filteredOn(r -> r.answered() == 400).hasSize(1);
    try (Stream<Path> dead = Files.list(spool.resolve("dead").resolve("r"))) {
      List<Path> files = dead.toList();
      assertThat(files).hasSize(1);
      assertThat(summary(Files.readString(files.get(0)))).isEqualTo("bad SUSPECTED");
    }
    assertThat(registry.get("qmp.sentinel.alert.dead.letters").functionCounter().count())
        .isEqualTo(1);
    assertThat(alerts.spoolDepth()).isZero();
  }

  /** 408 and 429 say "later", not "never": retried, not dead-lettered. */
  @Test
  void timeoutAndTooManyRequestsAreRetried() {
    AtomicInteger n = new AtomicInteger();
    receiver.answer(
        body ->
            switch (n.getAndIncrement()) {
              case 0 -> 429;
              case 1 -> 408;
              default -> 200;
            });
    alerts.onHangEvent(null, event("a", HangState.SUSPECTED));

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 1);
    assertThat(receiver.requests())
        .extracting(ScriptedReceiver.Request::answered)
        .containsExactly(429, 408, 200);
    assertThat(spool.resolve("dead")).doesNotExist();
  }

  /**
   * Fault 6: with 9 alerts queued during an outage each ran its own retry chain (2.4 POST/s with
   * retry-max 4 s). One chain means consecutive attempts are at least retry-initial apart: the next
   * is only sent a backoff delay after the previous one's answer.
   */
  @Test
  void anOutageCostsOneRetryChainNotOnePerAlert() {
    receiver.answer(body -> 503);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      alerts.onHangEvent(null, event("vm-" + i, HangState.SUSPECTED));
      sent.add("vm-" + i + " SUSPECTED");
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() >= 8);

    List<ScriptedReceiver.Request> failed = receiver.requests();
    for (int i = 1; i < failed.size(); i++) {
      assertThat(failed.get(i).arrivedNanos() - failed.get(i - 1).arrivedNanos())
          .as("gap before attempt %d", i)
          .isGreaterThanOrEqualTo(INITIAL.toNanos());
    }
    assertThat(failed).extracting(r -> summary(r.body())).containsOnly("vm-0 SUSPECTED");

    receiver.answer(body -> 200);
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 9);
    assertThat(receiver.accepted().stream().map(Alerts::summary)).containsExactlyElementsOf(sent);
    assertThat(alerts.spoolDepth()).isZero();
  }

  /** Connections refused, then the receiver is back on its port: all arrive, once, in order. */
  @Test
  void receiverDownThenUp() throws IOException {
    receiver.stop();
    alerts.onHangEvent(null, event("a", HangState.SUSPECTED));
    alerts.onHangEvent(null, event("a", HangState.CONFIRMED));
    alerts.onHangEvent(null, event("b", HangState.SUSPECTED));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                registry
                        .get("qmp.sentinel.alert.deliveries")
                        .tag("outcome", "retry")
                        .functionCounter()
                        .count()
                    >= 3);

    receiver.restart();
    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 3);
    assertThat(receiver.accepted().stream().map(Alerts::summary))
        .containsExactly("a SUSPECTED", "a CONFIRMED", "b SUSPECTED");
    assertThat(receiver.requests()).hasSize(3);
  }

  /** A slow receiver (answering within the timeout) gets each alert exactly once, in order. */
  @Test
  void slowReceiverGetsEachAlertOnce() {
    receiver.slowness(Duration.ofMillis(300));
    alerts.onHangEvent(null, event("a", HangState.SUSPECTED));
    alerts.onHangEvent(null, event("a", HangState.CONFIRMED));
    alerts.onHangEvent(null, event("a", HangState.RESOLVED));

    await().atMost(Duration.ofSeconds(10)).until(() -> receiver.accepted().size() == 3);
    assertThat(receiver.requests().stream().map(r -> summary(r.body())))
        .containsExactly("a SUSPECTED", "a CONFIRMED", "a RESOLVED");
  }
}
