package org.qmpsentinel.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.qmpsentinel.qmp.TestFutures.failure;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Every way a connect can fail ends in QmpConnectException, with the real reason as its cause. */
class ConnectFailureTest {
  /** For peers that never answer: the timeout is what the test waits for. */
  private final QmpClient client =
      QmpClient.create(QmpClientOptions.defaults().withConnectTimeout(Duration.ofMillis(500)));

  /**
   * For peers that do answer (an error, garbage, a refusal): a timeout would only be a loaded
   * machine's noise, and made these tests flaky at 500 ms.
   */
  private final QmpClient patient =
      QmpClient.create(QmpClientOptions.defaults().withConnectTimeout(Duration.ofSeconds(30)));

  @AfterEach
  void close() {
    client.close();
    patient.close();
  }

  @Test
  void noGreetingFailsTheConnectWithTheTimeoutAsCause() throws Exception {
    try (FakeQmpServer server = new FakeQmpServer(peer -> {})) {
      assertThat(failure(client.connect(server.endpoint())))
          .isInstanceOf(QmpConnectException.class)
          .hasCauseInstanceOf(QmpTimeoutException.class);
    }
  }

  /**
   * A unix socket whose process does not accept (a frozen QEMU): once its backlog is full, connect
   * fails at once with EAGAIN; that too is an unresponsive peer, not a missing one. Before this,
   * only the first attempt (a greeting timeout) counted, and a VM frozen before the agent started
   * was never reported MONITOR_UNRESPONSIVE (KillRestartIT).
   */
  @Test
  void aUnixListenerThatStoppedAcceptingIsAnUnresponsivePeer(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("frozen.qmp");
    try (ServerSocketChannel frozen = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      frozen.bind(UnixDomainSocketAddress.of(path), 1); // and never accept
      List<QmpConnectException> failures = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        failures.add((QmpConnectException) failure(client.connect(QmpEndpoint.unix(path))));
      }
      assertThat(failures).allMatch(QmpConnectException::peerUnresponsive);
      assertThat(failures)
          .anySatisfy(f -> assertThat(f).hasMessageContaining("Resource temporarily unavailable"));
    }
  }

  /** The connect's failure, waited for generously (a loaded CI machine). */
  private QmpConnectException connectFailure(QmpEndpoint endpoint) throws Exception {
    Throwable[] failure = new Throwable[1];
    patient.connect(endpoint).handle((c, e) -> failure[0] = e).get(60, TimeUnit.SECONDS);
    assertThat(failure[0]).isInstanceOf(QmpConnectException.class);
    return (QmpConnectException) failure[0];
  }

  @Test
  void aMissingSocketIsNoUnresponsivePeer(@TempDir Path dir) throws Exception {
    QmpConnectException missing = connectFailure(QmpEndpoint.unix(dir.resolve("none.qmp")));
    assertThat(missing.peerUnresponsive()).isFalse();
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
      assertThat(failure(patient.connect(server.endpoint())))
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
      assertThat(failure(patient.connect(server.endpoint())))
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
    assertThat(failure(patient.connect(QmpEndpoint.tcp("127.0.0.1", closedPort))))
        .isInstanceOf(QmpConnectException.class)
        .hasMessageContaining("tcp:127.0.0.1:" + closedPort);
    java.nio.file.Path missing =
        java.nio.file.Files.createTempDirectory("qmp-missing").resolve("nothing.qmp");
    assertThat(failure(patient.connect(QmpEndpoint.unix(missing))))
        .isInstanceOf(QmpConnectException.class)
        .hasMessageContaining(missing.toString());
  }
}
