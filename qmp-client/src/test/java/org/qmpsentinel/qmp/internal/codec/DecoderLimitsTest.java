package org.qmpsentinel.qmp.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.qmp.HostileMessages;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.internal.codec.FramingDecoderTest.Sink;

/** The decoder's limits on bytes, nesting and tokens per message: each refuses before it costs. */
class DecoderLimitsTest {
  private static EmbeddedChannel channel(Sink sink, int maxBytes, int maxDepth) {
    return new EmbeddedChannel(new JsonMessageDecoder(maxBytes, maxDepth, 100_000), sink);
  }

  @Test
  void messageOverTheLimitIsRejected() {
    Sink sink = new Sink();
    EmbeddedChannel ch = channel(sink, 1024, 64);
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "{\"return\": \"" + "x".repeat(2000) + "\"}", StandardCharsets.UTF_8));
    assertThat(sink.errors)
        .singleElement(InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("1024 bytes");
    assertThat(sink.messages).isEmpty();
  }

  @Test
  void fiftyMegabytesAreRefusedLongBeforeTheEnd() {
    Sink sink = new Sink();
    EmbeddedChannel ch = channel(sink, 8 * 1024 * 1024, 64);
    ch.writeInbound(Unpooled.copiedBuffer("{\"return\": \"", StandardCharsets.UTF_8));
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'a');
    int fed = 0;
    while (sink.errors.isEmpty() && fed < 50 * 1024 * 1024) {
      ch.writeInbound(Unpooled.wrappedBuffer(chunk));
      fed += chunk.length;
    }
    assertThat(sink.errors).singleElement().isInstanceOf(QmpProtocolException.class);
    assertThat(fed).isLessThanOrEqualTo(8 * 1024 * 1024 + chunk.length);
  }

  @Test
  void tokensBeyondTheLimitAreRejectedAndTheCountStartsAgainWithEachMessage() {
    // {"a":[1,2,...]}: object, name, array, n numbers = n + 3 tokens.
    String sixteen = "{\"a\": [" + "1,".repeat(12) + "1]}";
    Sink ok = new Sink();
    new EmbeddedChannel(new JsonMessageDecoder(1 << 20, 8, 16), ok)
        .writeInbound(Unpooled.copiedBuffer((sixteen + "\n").repeat(3), StandardCharsets.UTF_8));
    assertThat(ok.errors).isEmpty();
    assertThat(ok.messages).hasSize(3);

    Sink sink = new Sink();
    new EmbeddedChannel(new JsonMessageDecoder(1 << 20, 8, 16), sink)
        .writeInbound(Unpooled.copiedBuffer(sixteen.replace("[", "[1,"), StandardCharsets.UTF_8));
    assertThat(sink.errors)
        .singleElement(InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("limit of 16 JSON values and member names (maxTokensPerMessage)");
    assertThat(sink.messages).isEmpty();
  }

  @Test
  void eightMegabytesOfEmptyObjectsAreRefusedBeforeTheTreeGrowsPastTheLimit() {
    byte[] reply = HostileMessages.emptyObjectsReply("1");
    assertThat(reply).hasSize(HostileMessages.EMPTY_OBJECTS_REPLY_BYTES);
    Sink sink = new Sink();
    JsonMessageDecoder decoder =
        new JsonMessageDecoder(QmpClientOptions.DEFAULT_MAX_MESSAGE_BYTES, 64, 100_000);
    EmbeddedChannel ch = new EmbeddedChannel(decoder, sink);
    int fed = 0;
    for (byte[] chunk : HostileMessages.chunks(reply, 64 * 1024)) {
      if (!sink.errors.isEmpty()) {
        break;
      }
      ch.writeInbound(Unpooled.wrappedBuffer(chunk));
      fed += chunk.length;
    }
    assertThat(sink.errors)
        .singleElement(InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("maxTokensPerMessage");
    assertThat(decoder.peakTokens()).isLessThanOrEqualTo(100_000);
    assertThat(fed).as("bytes read before refusing").isLessThan(3 * 100_000 + 2 * 64 * 1024);
    assertThat(sink.messages).isEmpty();
  }

  @Test
  void nestingBeyondTheLimitIsRejected() {
    Sink sink = new Sink();
    channel(sink, 1 << 20, 8)
        .writeInbound(Unpooled.copiedBuffer("[".repeat(9) + "]".repeat(9), StandardCharsets.UTF_8));
    assertThat(sink.errors)
        .singleElement(InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("nesting");
    Sink ok = new Sink();
    channel(ok, 1 << 20, 8)
        .writeInbound(Unpooled.copiedBuffer("[".repeat(8) + "]".repeat(8), StandardCharsets.UTF_8));
    assertThat(ok.errors).isEmpty();
    assertThat(ok.messages).hasSize(1);
  }
}
