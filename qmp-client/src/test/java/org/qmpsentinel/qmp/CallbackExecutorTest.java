package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Where replies, events and the close future complete with {@code withCallbackExecutor}. */
class CallbackExecutorTest {
  private final QmpClient client = QmpClient.create();
  private final ExecutorService vmThread =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "vm-serial"));

  @AfterEach
  void close() {
    client.close();
    vmThread.shutdownNow();
  }

  /** A command whose decoder notes the thread it ran on: where the reply was decoded. */
  private static QmpCommand<String> decodedOn() {
    return new QmpCommand<>("query-uuid", null, false, r -> Thread.currentThread().getName());
  }

  private static FakeQmpServer answeringWithAnEvent() throws Exception {
    return new FakeQmpServer(
        peer -> {
          peer.handshake();
          JsonNode cmd = peer.read();
          peer.event("RESUME");
          peer.reply(cmd, "{}");
        });
  }

  @Test
  void repliesEventsAndCloseCompleteOnTheCallersExecutor() throws Exception {
    try (FakeQmpServer server = answeringWithAnEvent()) {
      QmpConnection c =
          client
              .connect(server.endpoint(), client.defaultOptions().withCallbackExecutor(vmThread))
              .get(5, TimeUnit.SECONDS);
      List<String> listenerThreads = new CopyOnWriteArrayList<>();
      c.subscribe(e -> true, e -> listenerThreads.add(Thread.currentThread().getName()));
      CompletableFuture<String> closedOn =
          c.closeFuture().thenApply(cause -> Thread.currentThread().getName());

      assertThat(c.execute(decodedOn()).get(5, TimeUnit.SECONDS)).isEqualTo("vm-serial");
      c.close();
      assertThat(closedOn.get(5, TimeUnit.SECONDS)).isEqualTo("vm-serial");
      assertThat(listenerThreads).containsExactly("vm-serial");
    }
  }

  @Test
  void aDirectExecutorCompletesOnTheEventLoop() throws Exception {
    try (FakeQmpServer server = answeringWithAnEvent()) {
      QmpConnection c =
          client
              .connect(
                  server.endpoint(), client.defaultOptions().withCallbackExecutor(Runnable::run))
              .get(5, TimeUnit.SECONDS);
      assertThat(c.execute(decodedOn()).get(5, TimeUnit.SECONDS)).startsWith("qmp-io");
    }
  }

  @Test
  void byDefaultRepliesCompleteOnTheClientsPool() throws Exception {
    try (FakeQmpServer server = answeringWithAnEvent()) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      assertThat(c.execute(decodedOn()).get(5, TimeUnit.SECONDS)).startsWith("qmp-callback");
    }
  }

  @Test
  void aRejectingExecutorFallsBackToThePoolSoNoFutureHangs() throws Exception {
    try (FakeQmpServer server = answeringWithAnEvent()) {
      QmpConnection c =
          client
              .connect(
                  server.endpoint(),
                  client
                      .defaultOptions()
                      .withCallbackExecutor(
                          task -> {
                            throw new RejectedExecutionException("shut down");
                          }))
              .get(5, TimeUnit.SECONDS);
      assertThat(c.execute(decodedOn()).get(5, TimeUnit.SECONDS)).startsWith("qmp-callback");
    }
  }
}
