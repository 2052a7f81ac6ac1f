package org.qmpsentinel.qmp.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.internal.protocol.QmpSessionHandler;
import org.qmpsentinel.qmp.internal.protocol.ReplyHandler;
import tools.jackson.databind.JsonNode;

/**
 * Jazzer over everything a QMP peer can send: the bytes go through the client's real inbound
 * pipeline ({@link JsonMessageDecoder} with its {@link Utf8Validator}, then {@link
 * QmpSessionHandler}) on an {@link EmbeddedChannel}. Two commands are sent as soon as the session
 * is READY, so replies, errors and events are all reachable.
 *
 * <p>The input's first byte picks the read size (1..256 bytes), the rest is the stream. For every
 * input: no exception escapes the pipeline (EmbeddedChannel rethrows one that reaches its tail); no
 * message ever holds more tokens than the limit (the memory bound); and if the input made the
 * session close, the reason is one of the documented ones — {@link QmpProtocolException} or {@link
 * QmpErrorException} (a refused negotiation) — with a message, never a wrapped runtime exception.
 *
 * <p>The build runs the committed corpus ({@code PeerStreamFuzzTestInputs/peerStream}) as
 * regression tests; {@code scripts/fuzz} fuzzes with {@code JAZZER_FUZZ=1} for the budget below.
 */
class PeerStreamFuzzTest {
  private static final int MAX_BYTES = 64 * 1024;
  private static final int MAX_DEPTH = 64;
  private static final int MAX_TOKENS = 2_000;

  @FuzzTest(maxDuration = "60s")
  void peerStream(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int readSize = (input[0] & 0xFF) + 1;
    byte[] stream = Arrays.copyOfRange(input, 1, input.length);

    JsonMessageDecoder decoder = new JsonMessageDecoder(MAX_BYTES, MAX_DEPTH, MAX_TOKENS);
    AtomicInteger events = new AtomicInteger();
    QmpSessionHandler session = new QmpSessionHandler(true, e -> events.incrementAndGet());
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(decoder, session);
    boolean commandsSent = false;
    for (int at = 0; at < stream.length && channel.isActive(); at += readSize) {
      int to = Math.min(stream.length, at + readSize);
      channel.writeInbound(Unpooled.wrappedBuffer(stream, at, to - at));
      if (!commandsSent && session.state() == QmpSessionHandler.State.READY) {
        session.send(1, "query-status", null, false, Duration.ofSeconds(5), IGNORE);
        session.send(2, "query-name", null, true, Duration.ofSeconds(5), IGNORE);
        commandsSent = true;
      }
    }
    assertThat(decoder.peakTokens()).isLessThanOrEqualTo(MAX_TOKENS);
    boolean closedByInput = !channel.isActive();
    channel.finishAndReleaseAll();
    if (closedByInput) {
      Throwable reason = session.closed().getNow(null);
      assertThat(reason)
          .as("why the session closed")
          .isInstanceOfAny(QmpProtocolException.class, QmpErrorException.class);
      assertThat(reason.getMessage()).isNotBlank();
    }
  }

  private static final ReplyHandler IGNORE =
      new ReplyHandler() {
        @Override
        public void onReturn(@Nullable JsonNode value) {}

        @Override
        public void onFailure(QmpException error) {}
      };
}
