package org.qmpsentinel.qmp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.qmp.QmpTimeoutException;
import tools.jackson.databind.JsonNode;

/** Command timeouts, swept per connection, on the embedded event loop's clock. */
class SessionTimeoutTest {
  private final SessionFixture qemu = new SessionFixture().ready();

  @Test
  void aCommandTimesOutAtItsDeadlineNotBefore() {
    CompletableFuture<JsonNode> reply = qemu.send(1, "query-status", Duration.ofSeconds(1));
    qemu.advance(Duration.ofMillis(999));
    assertThat(reply).isNotDone();
    qemu.advance(Duration.ofMillis(1));
    assertThat(reply)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(QmpTimeoutException.class)
        .withMessageContaining("query-status timed out after 1000 ms");
    assertThat(qemu.session.pendingCount()).isZero();
  }

  @Test
  void aLateReplyIsDiscardedCountedAndTheSessionStaysReady() {
    CompletableFuture<JsonNode> slow = qemu.send(1, "query-status", Duration.ofMillis(100));
    qemu.advance(Duration.ofMillis(100));
    assertThat(slow).isCompletedExceptionally();
    qemu.receive("{\"return\": {\"status\": \"running\"}, \"id\": \"1\"}");
    assertThat(qemu.session.lateReplies()).isEqualTo(1);
    assertThat(qemu.session.state()).isEqualTo(QmpSessionHandler.State.READY);
    CompletableFuture<JsonNode> next = qemu.send(2, "query-name", Duration.ofSeconds(5));
    qemu.receive("{\"return\": {\"name\": \"vm\"}, \"id\": \"2\"}");
    assertThat(next.join().path("name").asString()).isEqualTo("vm");
  }

  @Test
  void aShorterTimeoutAfterALongerOneFiresAtItsOwnDeadline() {
    CompletableFuture<JsonNode> longer = qemu.send(1, "query-status", Duration.ofSeconds(60));
    CompletableFuture<JsonNode> shorter = qemu.send(2, "query-status", Duration.ofMillis(200));
    qemu.advance(Duration.ofMillis(200));
    assertThat(shorter).isCompletedExceptionally();
    assertThat(longer).isNotDone();
    qemu.advance(Duration.ofSeconds(59));
    assertThat(longer).isNotDone();
    qemu.advance(Duration.ofSeconds(1));
    assertThat(longer).isCompletedExceptionally();
  }

  @Test
  void answeredCommandsNeverTimeOutAndLaterOnesStillDo() {
    List<CompletableFuture<JsonNode>> answered = new ArrayList<>();
    for (int id = 1; id <= 100; id++) {
      answered.add(qemu.send(id, "query-status", Duration.ofSeconds(1)));
      qemu.receive("{\"return\": {}, \"id\": \"" + id + "\"}");
    }
    qemu.advance(Duration.ofSeconds(2));
    assertThat(answered).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    CompletableFuture<JsonNode> unanswered = qemu.send(101, "query-status", Duration.ofSeconds(1));
    qemu.advance(Duration.ofMillis(999));
    assertThat(unanswered).isNotDone();
    qemu.advance(Duration.ofMillis(1));
    assertThat(unanswered).isCompletedExceptionally();
    assertThat(qemu.session.lateReplies()).isZero();
  }

  @Test
  void manyCommandsDueTogetherExpireInOneSweepWithinTheGranularity() {
    List<CompletableFuture<JsonNode>> all = new ArrayList<>();
    for (int id = 1; id <= 1000; id++) {
      all.add(qemu.send(id, "query-status", Duration.ofMillis(500 + id % 7)));
    }
    qemu.advance(Duration.ofMillis(506));
    qemu.advance(Duration.ofNanos(PendingCommands.GRANULARITY_NANOS));
    assertThat(all).allMatch(CompletableFuture::isCompletedExceptionally);
    assertThat(qemu.session.pendingCount()).isZero();
  }
}
