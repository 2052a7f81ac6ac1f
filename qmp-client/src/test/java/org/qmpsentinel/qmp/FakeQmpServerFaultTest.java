package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Faults only a scripted peer can produce: each must end in the right typed exception. */
class FakeQmpServerFaultTest {
  private final QmpClient client =
      QmpClient.create(
          QmpClientOptions.defaults()
              .withConnectTimeout(Duration.ofMillis(500))
              .withCommandTimeout(Duration.ofSeconds(2)));

  @AfterEach
  void close() {
    client.close();
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("expected a failure, got " + e);
    }
    throw new AssertionError("expected a failure, got a value");
  }

  @Test
  void eofMidReplyFailsThePendingCommand() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              peer.read();
              peer.send("{\"return\": {\"sta");
              peer.close();
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      Throwable lost = failure(c.execute(QmpCommands.queryStatus()));
      assertThat(lost)
          .isInstanceOf(QmpConnectionClosedException.class)
          .hasMessageContaining("sent; outcome unknown");
      assertThat(((QmpConnectionClosedException) lost).commandSent()).isTrue();
      assertThat(c.closeFuture().get(5, TimeUnit.SECONDS))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("ended inside a message");
    }
  }

  @Test
  void repliesToUnknownIdsAreDroppedAndCountedAndTheConnectionStays() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode cmd = peer.read();
              peer.sendLine("{\"return\": {}, \"id\": \"999\"}");
              peer.sendLine(
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}, \"id\": \"abc\"}");
              peer.reply(cmd, "{\"UUID\": \"mine\"}");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      assertThat(c.execute(QmpCommands.queryUuid()).get(5, TimeUnit.SECONDS)).isEqualTo("mine");
      assertThat(c.stats()).isEqualTo(new QmpConnectionStats(2, 0, 0));
      assertThat(c.isOpen()).isTrue();
    }
  }

  @Test
  void errorRepliesAreTyped() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode cmd = peer.read();
              peer.sendLine(
                  "{\"error\": {\"class\": \"GenericError\", \"desc\": \"boom\"}, \"id\": \""
                      + cmd.path("id").asString()
                      + "\"}");
              peer.reply(peer.read(), "{\"status\": \"running\", \"running\": true}");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      Throwable error = failure(c.execute(QmpCommands.cont()));
      assertThat(error).isInstanceOf(QmpErrorException.class);
      assertThat(((QmpErrorException) error).errorClass()).isEqualTo("GenericError");
      assertThat(((QmpErrorException) error).description()).isEqualTo("boom");
      assertThat(c.execute(QmpCommands.queryStatus()).get(5, TimeUnit.SECONDS).running()).isTrue();
    }
  }

  @Test
  void eventsInterleavedWithRepliesArriveInOrder() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode cmd = peer.read();
              peer.event("STOP");
              peer.event("RESUME");
              peer.reply(cmd, "{}");
              peer.event("RESET");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      List<String> events = new CopyOnWriteArrayList<>();
      c.subscribe(e -> true, e -> events.add(e.name()));
      c.execute(QmpCommands.stop()).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 3);
      assertThat(events).containsExactly("STOP", "RESUME", "RESET");
    }
  }

  @Test
  void outOfOrderRepliesCompleteTheRightCommands() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode first = peer.read();
              JsonNode second = peer.read();
              peer.reply(second, "{\"UUID\": \"second\"}");
              peer.reply(first, "{\"UUID\": \"first\"}");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      CompletableFuture<String> a = c.execute(QmpCommands.queryUuid());
      CompletableFuture<String> b = c.execute(QmpCommands.queryUuid());
      assertThat(a.get(5, TimeUnit.SECONDS)).isEqualTo("first");
      assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo("second");
    }
  }

  @Test
  void aTimedOutCommandsLateReplyIsDiscardedAndTheConnectionStaysUsable() throws Exception {
    CountDownLatch timedOut = new CountDownLatch(1);
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode slow = peer.read();
              timedOut.await(5, TimeUnit.SECONDS);
              peer.reply(slow, "{\"UUID\": \"late\"}");
              peer.reply(peer.read(), "{\"UUID\": \"next\"}");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      assertThat(failure(c.execute(QmpCommands.queryUuid(), Duration.ofMillis(200))))
          .isInstanceOf(QmpTimeoutException.class);
      timedOut.countDown();
      assertThat(c.execute(QmpCommands.queryUuid()).get(5, TimeUnit.SECONDS)).isEqualTo("next");
      assertThat(c.isOpen()).isTrue();
      assertThat(c.stats()).isEqualTo(new QmpConnectionStats(0, 1, 0));
    }
  }

  @Test
  void cancelledCommandsAreForgotten() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode slow = peer.read();
              cancelled.await(5, TimeUnit.SECONDS);
              peer.reply(slow, "{\"UUID\": \"late\"}");
              peer.reply(peer.read(), "{\"UUID\": \"next\"}");
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      CompletableFuture<String> f = c.execute(QmpCommands.queryUuid());
      await().until(() -> c.pendingCommands() == 1);
      f.cancel(true);
      await().until(() -> c.pendingCommands() == 0);
      cancelled.countDown();
      assertThat(c.execute(QmpCommands.queryUuid()).get(5, TimeUnit.SECONDS)).isEqualTo("next");
      assertThat(c.stats().lateReplies()).isEqualTo(1);
    }
  }

  @Test
  void aSlowListenerOverflowsItsOwnBufferOnlyAndIsCounted() throws Exception {
    try (QmpClient small =
            QmpClient.create(
                QmpClientOptions.defaults().withEventBuffer(4, EventOverflowPolicy.DROP_OLDEST));
        FakeQmpServer server =
            new FakeQmpServer(
                peer -> {
                  peer.handshake();
                  JsonNode cmd = peer.read();
                  for (int i = 0; i < 100; i++) {
                    peer.event("E" + i);
                  }
                  peer.reply(cmd, "{}");
                })) {
      QmpConnection c = small.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      CountDownLatch release = new CountDownLatch(1);
      List<String> seen = new CopyOnWriteArrayList<>();
      QmpSubscription slow =
          c.subscribe(
              e -> true,
              e -> {
                try {
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                  Thread.currentThread().interrupt();
                }
                seen.add(e.name());
              });
      // The reply is not held up by the blocked listener.
      c.execute(QmpCommands.stop()).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> slow.overflowCount() > 0);
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("E99"));
      assertThat(seen.size() + slow.overflowCount()).isEqualTo(100);
      assertThat(c.stats().eventsDropped()).isEqualTo(slow.overflowCount());
    }
  }

  @Test
  void commandsAfterTheClientClosedFailAsNeverSent() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(FakeQmpServer.Peer::handshake)) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      client.close(); // shuts the event loops down
      CompletableFuture<StatusInfo> late = c.execute(QmpCommands.queryStatus());
      assertThat(failure(late))
          .isInstanceOfSatisfying(
              QmpConnectionClosedException.class, e -> assertThat(e.commandSent()).isFalse());
      assertThat(late.cancel(true)).isFalse(); // already failed; and no loop to tell
      c.close(); // no exception either
    }
  }

  @Test
  void commandsOnAClosedConnectionFailFast() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(FakeQmpServer.Peer::handshake)) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      c.close();
      c.closeFuture().get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> c.execute(QmpCommands.queryStatus()).get(5, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              QmpConnectionClosedException.class, e -> assertThat(e.commandSent()).isFalse());
    }
  }
}
