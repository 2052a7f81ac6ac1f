package org.qmpsentinel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpErrorException;

class ProtocolTest {
  @TempDir Path dir;
  SimFixture sim;

  @BeforeEach
  void start() {
    sim = new SimFixture(dir, 3, 1, 0, 0, 0);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  @Test
  void servesOneSocketPerVm() {
    assertThat(sim.socket(1)).isEqualTo(dir.resolve("vm-00001.qmp"));
    for (int i = 1; i <= 3; i++) {
      assertThat(Files.exists(sim.socket(i))).isTrue();
    }
  }

  @Test
  void negotiatesAndIdentifiesLikeQemu72() {
    QmpConnection c = sim.connect(2);
    assertThat(c.greeting().version().major()).isEqualTo(7);
    assertThat(c.greeting().version().minor()).isEqualTo(2);
    assertThat(c.greeting().version().pkg()).startsWith("Debian 1:7.2");
    assertThat(c.execute(QmpCommands.queryName()).join()).contains("vm-00002");
    assertThat(c.execute(QmpCommands.queryUuid()).join())
        .isEqualTo("5e1f0c3a-7d2b-4c59-9a61-000000000002");
    assertThat(c.execute(QmpCommands.queryKvm()).join().enabled()).isTrue();
    assertThat(c.execute(QmpCommands.queryCommands()).join())
        .contains("query-stats", "query-cpus-fast", "human-monitor-command");
    assertThat(c.execute(QmpCommands.queryStatus()).join().running()).isTrue();
    assertThatThrownBy(() -> c.execute("no-such-command", null).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            QmpErrorException.class, e -> assertThat(e.errorClass()).isEqualTo("CommandNotFound"));
  }

  @Test
  void wireBytesMatchQemuIncludingErrorsAndIdEcho() throws IOException {
    try (Raw raw = new Raw(sim.socket(2))) {
      assertThat(raw.line()).isEqualTo(capture("greeting"));
      raw.send("{\"execute\": \"query-status\", \"id\": \"capture-id\"}");
      assertThat(raw.line()).isEqualTo(capture("error-before-negotiation"));
      raw.send("{\"execute\": \"qmp_capabilities\", \"id\": \"capture-id\"}");
      assertThat(raw.line()).isEqualTo(capture("qmp_capabilities"));
      raw.send("{\"execute\": \"qmp_capabilities\", \"id\": \"capture-id\"}");
      assertThat(raw.line()).isEqualTo(capture("error-negotiated-again"));
      raw.send("{\"execute\": \"query-status\", \"id\": \"capture-id\"}");
      assertThat(raw.line()).isEqualTo(capture("query-status-running"));
      raw.send("{\"execute\": \"query-version\", \"id\": {\"n\": [1, \"x\"]}}");
      assertThat(raw.line())
          .isEqualTo(capture("query-version").replace("\"capture-id\"", "{\"n\": [1, \"x\"]}"));
      raw.send("{\"execute\": \"query-kvm\"}");
      assertThat(raw.line())
          .isEqualTo(capture("query-kvm").replace(", \"id\": \"capture-id\"", ""));
      raw.send("{\"execute\": \"no-such-command\", \"id\": 7}");
      assertThat(raw.line()).isEqualTo(capture("unknown-command").replace("\"capture-id\"", "7"));
      raw.send(
          "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info"
              + " registers\", \"cpu-index\": 7}, \"id\": \"capture-id\"}");
      assertThat(raw.line()).isEqualTo(capture("error-bad-cpu-index"));
    }
  }

  @Test
  void slowVmAnswersLateAndSilentVmNeverGreets() throws IOException {
    try (SimFixture special = new SimFixture(dir.resolve("special"), 3, 0, 1, 1, 0)) {
      QmpConnection slow = special.connect(1);
      long start = System.nanoTime();
      slow.execute(QmpCommands.queryStatus()).join();
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300_000_000L);
      try (Raw silent = new Raw(special.socket(2))) {
        assertThat(silent.lineWithin(500)).isNull();
      }
    }
  }

  static String capture(String exchange) {
    return Captures.of("kvm").raw(exchange);
  }

  /** A bare unix-socket client, to compare bytes. */
  static final class Raw implements AutoCloseable {
    private final SocketChannel channel;
    private final StringBuilder pending = new StringBuilder();

    Raw(Path socket) throws IOException {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
    }

    void send(String json) throws IOException {
      channel.write(ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    String line() throws IOException {
      String line = lineWithin(10_000);
      if (line == null) {
        throw new IOException("no line within 10 s");
      }
      return line;
    }

    /** The next CRLF-terminated line, or null if none arrives within {@code millis}. */
    String lineWithin(long millis) throws IOException {
      channel.configureBlocking(false);
      try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
        channel.register(selector, java.nio.channels.SelectionKey.OP_READ);
        long deadline = System.nanoTime() + millis * 1_000_000;
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (pending.indexOf("\n") < 0) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0 || selector.select(left) == 0) {
            return null;
          }
          selector.selectedKeys().clear();
          buf.clear();
          if (channel.read(buf) < 0) {
            throw new IOException("closed");
          }
          pending.append(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        }
      }
      int end = pending.indexOf("\n") + 1;
      String line = pending.substring(0, end);
      pending.delete(0, end);
      return line;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
