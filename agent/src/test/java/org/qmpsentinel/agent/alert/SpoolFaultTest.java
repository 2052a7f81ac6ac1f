package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.qmpsentinel.agent.alert.Alerts.event;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.HangState;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * The spool's disk fails under a running agent — read-only (EROFS) or full (ENOSPC) on a real
 * tmpfs: alerts are still delivered, exactly once, from memory; the failure is counted by reason,
 * turns the alerting health DOWN, is logged once, and leaves no temp file.
 */
class SpoolFaultTest {
  private static final Duration INITIAL = Duration.ofMillis(50);
  private static final Duration MAX = Duration.ofMillis(200);

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger healthLogger = (Logger) LoggerFactory.getLogger(SpoolHealth.class);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void captureLog() {
    log.start();
    healthLogger.addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    healthLogger.detachAppender(log);
  }

  /**
   * Fault 3: with the spool read-only, the pending alert was POSTed 16 times (its delivered-marker
   * could not be written, so it was sent again) and a new alert was never sent ("cannot spool").
   */
  @Test
  void readOnlySpool() throws Exception {
    try (TinyFilesystem fs = TinyFilesystem.mount();
        ScriptedReceiver receiver = new ScriptedReceiver()) {
      Path spool = fs.path().resolve("spool");
      receiver.answer(body -> 503);
      AlertService before =
          new AlertService(Alerts.config(spool, receiver.url(), INITIAL, MAX), Alerts.site("h"));
      before.start();
      before.onHangEvent(null, event("pending", HangState.SUSPECTED));
      await().atMost(Duration.ofSeconds(5)).until(() -> !receiver.requests().isEmpty());
      before.close(); // stopped with one alert pending in the spool

      fs.readOnly();
      receiver.answer(body -> 200);
      AlertService alerts =
          new AlertService(Alerts.config(spool, receiver.url(), INITIAL, MAX), Alerts.site("h"));
      alerts.bindTo(registry);
      alerts.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> receiver.accepted().size() == 1);
      alerts.onHangEvent(null, event("new", HangState.SUSPECTED));
      await().atMost(Duration.ofSeconds(5)).until(() -> receiver.accepted().size() == 2);
      // One queue, in order: had "pending" been sent again it would be among these.
      assertThat(receiver.accepted().stream().map(Alerts::summary))
          .containsExactly("pending SUSPECTED", "new SUSPECTED");

      assertThat(failures("enqueue", "read_only")).isEqualTo(1);
      assertThat(failures("delivered", "read_only")).isEqualTo(2);
      Health health = alerts.healthIndicator().health();
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails()).containsEntry("reason", "read_only");
      assertThat(health.getDetails().get("path").toString()).startsWith(spool.toString());
      List<ILoggingEvent> errors = errors();
      assertThat(errors).hasSize(1); // three failures, one state change
      assertThat(errors.get(0).getFormattedMessage())
          .contains(spool.toString(), "read_only")
          .doesNotContain("unreadable");

      fs.readWrite();
      assertThat(alerts.healthIndicator().health().getStatus()).isEqualTo(Status.UP);
      assertThat(log.list).anyMatch(e -> e.getFormattedMessage().contains("writable again"));
      alerts.close();
    }
  }

  /** Fault 4: with the disk full the alert was never sent, a 0-byte .tmp stayed, no metric. */
  @Test
  void fullSpool() throws Exception {
    try (TinyFilesystem fs = TinyFilesystem.mount();
        ScriptedReceiver receiver = new ScriptedReceiver()) {
      Path spool = fs.path().resolve("spool");
      AlertService alerts =
          new AlertService(Alerts.config(spool, receiver.url(), INITIAL, MAX), Alerts.site("h"));
      alerts.bindTo(registry);
      alerts.start();
      Path filler = fs.fill();

      alerts.onHangEvent(null, event("a", HangState.SUSPECTED));
      alerts.onHangEvent(null, event("a", HangState.CONFIRMED));
      await().atMost(Duration.ofSeconds(5)).until(() -> receiver.accepted().size() == 2);
      assertThat(receiver.accepted().stream().map(Alerts::summary))
          .containsExactly("a SUSPECTED", "a CONFIRMED");
      try (Stream<Path> files = Files.walk(fs.path())) {
        assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
      }
      assertThat(failures("enqueue", "no_space")).isEqualTo(2);
      assertThat(alerts.healthIndicator().health().getDetails())
          .containsEntry("reason", "no_space");
      assertThat(errors()).hasSize(1);

      Files.delete(filler);
      assertThat(alerts.healthIndicator().health().getStatus()).isEqualTo(Status.UP);
      alerts.close();
    }
  }

  private double failures(String operation, String reason) {
    var counter =
        registry
            .find("qmp.sentinel.alert.spool.failures")
            .tags("operation", operation, "reason", reason)
            .functionCounter();
    return counter == null ? 0 : counter.count();
  }

  private List<ILoggingEvent> errors() {
    return log.list.stream().filter(e -> e.getLevel() == Level.ERROR).toList();
  }
}
