package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.qmp.TestFutures.failure;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every way a connect can fail ends in QmpConnectException, with the real reason as its cause. */
class ConnectFailureTest {
  private final QmpClient client =
      QmpClient.create(QmpClientOptions.defaults().withConnectTimeout(Duration.ofMillis(500)));

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void noGreetingFailsTheConnectWithTheTimeoutAsCause() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(peer -> {})) {
      assertThat(failure(client.connect(server.endpoint())))
          .isInstanceOf(QmpConnectException.class)
          .hasCauseInstanceOf(QmpTimeoutException.class);
    }
  }

  @Test
  void greetingThenSilenceFailsTheConnectWithTheTimeoutAsCause() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(peer -> peer.sendLine(FakeQmpServer.GREETING))) {
      assertThat(failure(client.connect(server.endpoint())))
          .isInstanceOf(QmpConnectException.class)
          .hasCauseInstanceOf(QmpTimeoutException.class);
    }
  }

  @Test
  void garbageInsteadOfAGreetingFailsTheConnectWithAProtocolError() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(peer -> peer.sendLine("{\"hello\": 1}"))) {
      assertThat(failure(client.connect(server.endpoint())))
          .isInstanceOf(QmpConnectException.class)
          .hasMessageContaining("greeting")
          .cause()
          .isInstanceOf(QmpProtocolException.class);
    }
  }

  @Test
  void refusedNegotiationFailsTheConnectWithTheErrorReply() throws Exception {
    try (FakeQmpServer server =
        new FakeQmpServer(
            peer -> {
              peer.sendLine(FakeQmpServer.GREETING);
              JsonNode caps = peer.read();
              peer.sendLine(
                  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}, \"id\": \""
                      + caps.path("id").asString()
                      + "\"}");
            })) {
      assertThat(failure(client.connect(server.endpoint())))
          .isInstanceOf(QmpConnectException.class)
          .cause()
          .isInstanceOf(QmpErrorException.class);
    }
  }

  @Test
  void refusedOrMissingSocketsFailTheConnect() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    assertThat(failure(client.connect(QmpEndpoint.tcp("127.0.0.1", closedPort))))
        .isInstanceOf(QmpConnectException.class)
        .hasMessageContaining("tcp:127.0.0.1:" + closedPort);
    java.nio.file.Path missing =
        java.nio.file.Files.createTempDirectory("qmp-missing").resolve("nothing.qmp");
    assertThat(failure(client.connect(QmpEndpoint.unix(missing))))
        .isInstanceOf(QmpConnectException.class)
        .hasMessageContaining(missing.toString());
  }
}
