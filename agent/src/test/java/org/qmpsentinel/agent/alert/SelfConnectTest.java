package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;

/**
 * Fault 11: a webhook on 127.0.0.1 at a port in the ephemeral range, receiver down. The kernel can
 * pick the target port as the client's source port and the connection then succeeds — to itself
 * (TCP simultaneous open). The JDK client sent its request to itself, read it as the answer
 * ("Invalid status line: POST /hook HTTP/1.1", after 16,928 attempts in 23 s here) and kept the
 * socket, so the receiver could not bind its port again. Here the test binds the client socket to
 * the target port, which makes the kernel produce that self-connection on the first attempt.
 */
class SelfConnectTest {

  @Test
  void aConnectionToItselfIsRefusedAndFreesThePort() throws Exception {
    int port = freePort();
    InetSocketAddress self = new InetSocketAddress("127.0.0.1", port);
    try (Socket raw = new Socket()) { // the fault is real: the kernel does connect it to itself
      raw.setReuseAddress(true);
      raw.bind(self);
      raw.connect(self, 1000);
      assertThat(raw.getLocalPort()).isEqualTo(raw.getPort());
    }

    URI url = URI.create("http://127.0.0.1:" + port + "/hook");
    WebhookClient client =
        new WebhookClient(
            new org.qmpsentinel.agent.config.SentinelProperties.Webhook(
                "r", url, WebhookMode.GENERIC, null, null, null, Duration.ofSeconds(2)),
            self);
    assertThatThrownBy(() -> client.post("{}"))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("connected to itself");

    try (ServerSocket receiver = new ServerSocket()) { // the receiver can start on its port
      receiver.bind(self);
      assertThat(receiver.getLocalPort()).isEqualTo(port);
    }
  }

  /**
   * The same without help: the production path, retried against an even port of the ephemeral range
   * (the parity Linux gives connect(), bind takes the odd ones) until the kernel itself picks it as
   * the source port — a few thousand attempts, about a second here. Every attempt must end as a
   * refused connection and the receiver must be able to bind its port afterwards.
   */
  @Test
  void theKernelsOwnChoiceOfTheTargetPortIsRefusedToo() throws Exception {
    int port = freeEvenPort();
    URI url = URI.create("http://127.0.0.1:" + port + "/hook");
    WebhookClient client = new WebhookClient(Alerts.webhook(url, WebhookMode.GENERIC));
    int selfConnections = 0;
    for (int attempt = 0; attempt < 200_000 && selfConnections == 0; attempt++) {
      try {
        client.post("{}");
        throw new AssertionError("a POST to a port nobody listens on succeeded");
      } catch (ConnectException e) {
        if (String.valueOf(e.getMessage()).contains("connected to itself")) {
          selfConnections++;
        }
      }
    }
    assumeTrue(selfConnections > 0, "the kernel never chose the target port as source port");
    try (ServerSocket receiver = new ServerSocket()) {
      receiver.bind(new InetSocketAddress("127.0.0.1", port));
    }
  }

  /** The JDK client offered "Upgrade: h2c" on plain HTTP; alerts go as plain HTTP/1.1. */
  @Test
  void plainHttp11WithoutUpgrade() throws Exception {
    try (ScriptedReceiver receiver = new ScriptedReceiver()) {
      WebhookClient client = new WebhookClient(Alerts.webhook(receiver.url(), WebhookMode.GENERIC));
      assertThat(client.post("{\"x\":1}")).isEqualTo(200);
      ScriptedReceiver.Request r = receiver.requests().get(0);
      assertThat(r.protocol()).isEqualTo("HTTP/1.1");
      assertThat(r.upgrade()).isEmpty();
      assertThat(r.body()).isEqualTo("{\"x\":1}");
    }
  }

  private static int freeEvenPort() throws Exception {
    for (int i = 0; i < 100; i++) {
      int port = freePort() & ~1;
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (java.net.BindException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free even port");
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
