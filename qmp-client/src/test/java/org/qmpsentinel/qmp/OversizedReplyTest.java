package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.qmp.TestFutures.failure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Replies too big to hold end the connection with the limit they broke, end to end. */
class OversizedReplyTest {
  private final QmpClient client =
      QmpClient.create(QmpClientOptions.defaults().withCommandTimeout(Duration.ofSeconds(5)));

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void fiftyMegabyteMessageClosesTheConnection() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              peer.read();
              peer.send("{\"return\": \"");
              byte[] chunk =
                  "a".repeat(1 << 20).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
              int sent = 0;
              try {
                for (; sent < 50; sent++) {
                  peer.send(chunk);
                }
                peer.send("\"}\r\n");
              } catch (java.io.IOException expected) {
                // the client hangs up once the limit is passed
              }
              assertThat(sent).as("MiB sent before the client hung up").isLessThan(50);
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      assertThat(failure(c.execute(QmpCommands.queryStatus())))
          .isInstanceOf(QmpConnectionClosedException.class);
      assertThat(c.closeFuture().get(5, TimeUnit.SECONDS))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("larger than the limit");
    }
  }

  @Test
  void eightMegabytesOfEmptyObjectsCloseTheConnectionWithTheTokenLimit() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.handshake();
              JsonNode cmd = peer.read();
              assertThat(cmd.path("id").asString()).isEqualTo("1");
              try {
                peer.send(HostileMessages.emptyObjectsReply("1"));
              } catch (java.io.IOException expected) {
                // the client hangs up long before the end
              }
            })) {
      QmpConnection c = client.connect(server.endpoint()).get(5, TimeUnit.SECONDS);
      Throwable lost = failure(c.execute(QmpCommands.queryCpusFast()));
      assertThat(lost).isInstanceOf(QmpConnectionClosedException.class);
      assertThat(c.closeFuture().get(5, TimeUnit.SECONDS))
          .isInstanceOf(QmpProtocolException.class)
          .hasMessageContaining("limit of 100000 JSON values and member names")
          .hasMessageContaining("maxTokensPerMessage");
    }
  }
}
