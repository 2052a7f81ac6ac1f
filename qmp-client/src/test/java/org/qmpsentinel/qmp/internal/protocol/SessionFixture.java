package org.qmpsentinel.qmp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.NullNode;

/**
 * A {@link QmpSessionHandler} alone on an {@link EmbeddedChannel} with frozen time: the test plays
 * QEMU by writing JSON trees inbound and reading the client's commands outbound, and moves time
 * with {@link #advance}.
 */
final class SessionFixture {
  static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
          + " \"package\": \"\"}, \"capabilities\": [\"oob\"]}}";

  final List<QmpEvent> events = new ArrayList<>();
  final QmpSessionHandler session = new QmpSessionHandler(false, events::add);
  final EmbeddedChannel channel = new EmbeddedChannel();

  SessionFixture() {
    channel.freezeTime();
    channel.pipeline().addLast(session);
  }

  static JsonNode json(String text) {
    return JsonMapper.shared().readTree(text);
  }

  /** The peer sends {@code text}. */
  void receive(String text) {
    channel.writeInbound(json(text));
  }

  /** The next message the client wrote, or {@code null}. */
  @Nullable JsonNode sent() {
    return channel.readOutbound();
  }

  /** Greeting and capabilities negotiation; leaves the session READY. */
  SessionFixture ready() {
    receive(GREETING);
    JsonNode caps = sent();
    assertThat(caps).isNotNull();
    assertThat(caps.path("execute").asString()).isEqualTo("qmp_capabilities");
    receive("{\"return\": {}, \"id\": \"" + caps.path("id").asString() + "\"}");
    assertThat(session.state()).isEqualTo(QmpSessionHandler.State.READY);
    return this;
  }

  CompletableFuture<JsonNode> send(long id, String name, Duration timeout) {
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    session.send(id, name, null, false, timeout, handler(reply));
    return reply;
  }

  /** Completes {@code future} with the outcome (a JSON null for an omitted return member). */
  static ReplyHandler handler(CompletableFuture<JsonNode> future) {
    return new ReplyHandler() {
      @Override
      public void onReturn(@Nullable JsonNode value) {
        future.complete(value == null ? NullNode.getInstance() : value);
      }

      @Override
      public void onFailure(QmpException error) {
        future.completeExceptionally(error);
      }
    };
  }

  /** Moves the event loop's clock and runs whatever became due. */
  void advance(Duration d) {
    channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
    channel.runScheduledPendingTasks();
    channel.runPendingTasks();
  }
}
