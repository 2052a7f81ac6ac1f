package org.qmpsentinel.qmp.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The framing decoder on Netty's EmbeddedChannel: every split, every limit. */
class FramingDecoderTest {
  private static final String STREAM =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\":"
          + " \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\r\n"
          + "{\"return\": {}, \"id\": \"1\"}\n"
          + "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"RESET\","
          + " \"data\": {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}}"
          + "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\":"
          + " \"2\"}\r\n"
          + "{\"return\": [{\"name\": \"exits\", \"value\": 18446744073709551615}], \"id\": \"3\"}";

  /** Records what reaches the end of the pipeline. */
  static final class Sink extends ChannelInboundHandlerAdapter {
    final List<JsonNode> messages = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      messages.add((JsonNode) msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errors.add(cause);
    }
  }

  private static List<JsonNode> expected() {
    List<JsonNode> all = new ArrayList<>();
    JsonMapper.shared()
        .readValues(JsonMapper.shared().createParser(STREAM), JsonNode.class)
        .forEachRemaining(all::add);
    return all;
  }

  private static EmbeddedChannel channel(Sink sink, int maxBytes, int maxDepth) {
    return new EmbeddedChannel(new JsonMessageDecoder(maxBytes, maxDepth, 100_000), sink);
  }

  @Test
  void everyTwoWaySplitOfTheStreamYieldsTheSameMessages() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    List<JsonNode> expected = expected();
    assertThat(expected).hasSize(5);
    for (int split = 0; split <= bytes.length; split++) {
      Sink sink = new Sink();
      EmbeddedChannel ch = channel(sink, 1 << 20, 64);
      ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, 0, split)));
      ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, split, bytes.length)));
      ch.finish();
      assertThat(sink.errors).as("split at %d", split).isEmpty();
      assertThat(sink.messages).as("split at %d", split).isEqualTo(expected);
    }
  }

  private static ByteBuf direct(byte[] bytes, int from, int to) {
    ByteBuf buf = Unpooled.directBuffer(Math.max(1, to - from));
    buf.writeBytes(bytes, from, to - from);
    assertThat(buf.hasArray()).isFalse(); // the decoder's copy-to-scratch branch
    return buf;
  }

  @Test
  void directBuffersInEveryThreeWaySplitYieldTheSameMessages() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    List<JsonNode> expected = expected();
    // Growing and shrinking reads through one decoder exercise the reuse of its scratch array.
    for (int first = 0; first <= bytes.length; first += 7) {
      for (int second = first; second <= bytes.length; second += 13) {
        Sink sink = new Sink();
        EmbeddedChannel ch = channel(sink, 1 << 20, 64);
        ch.writeInbound(direct(bytes, 0, first));
        ch.writeInbound(direct(bytes, first, second));
        ch.writeInbound(direct(bytes, second, bytes.length));
        ch.finish();
        assertThat(sink.errors).as("splits %d, %d", first, second).isEmpty();
        assertThat(sink.messages).as("splits %d, %d", first, second).isEqualTo(expected);
      }
    }
  }

  @Test
  void aSlicedHeapBufferIsReadFromItsOwnOffset() {
    byte[] bytes = ("garbage" + STREAM + "garbage").getBytes(StandardCharsets.UTF_8);
    int length = STREAM.getBytes(StandardCharsets.UTF_8).length;
    Sink sink = new Sink();
    EmbeddedChannel ch = channel(sink, 1 << 20, 64);
    ch.writeInbound(Unpooled.wrappedBuffer(bytes).slice(7, length)); // arrayOffset 7
    ch.finish();
    assertThat(sink.errors).isEmpty();
    assertThat(sink.messages).isEqualTo(expected());
  }

  @Test
  void byteByByteAndAllAtOnce() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    Sink one = new Sink();
    EmbeddedChannel ch = channel(one, 1 << 20, 64);
    for (byte b : bytes) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    Sink all = new Sink();
    channel(all, 1 << 20, 64).writeInbound(Unpooled.copiedBuffer(STREAM, StandardCharsets.UTF_8));
    assertThat(one.messages).isEqualTo(expected());
    assertThat(all.messages).isEqualTo(expected());
    assertThat(one.messages.get(4).path("return").get(0).path("value").bigIntegerValue())
        .hasToString("18446744073709551615"); // uint64 counters survive
  }

  @Test
  void garbageIsRejected() {
    for (String garbage : List.of("{\"a\":}", "xyz", "{\"a\" 1}", "]")) {
      Sink sink = new Sink();
      channel(sink, 1 << 20, 64)
          .writeInbound(Unpooled.copiedBuffer(garbage + "\n", StandardCharsets.UTF_8));
      assertThat(sink.errors).as(garbage).singleElement().isInstanceOf(QmpProtocolException.class);
    }
  }

  @Test
  void invalidUtf8IsRejected() {
    Sink sink = new Sink();
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    channel(sink, 1 << 20, 64).writeInbound(Unpooled.wrappedBuffer(bad));
    assertThat(sink.errors).singleElement().isInstanceOf(QmpProtocolException.class);
  }

  /** Ill-formed UTF-8 by RFC 3629 section 3, each inside a string value and as a member name. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "C0 AF", // overlong '/'
        "C1 BF", // overlong U+007F
        "E0 80 AF", // overlong '/'
        "E0 9F BF", // overlong U+07FF
        "F0 80 80 AF", // overlong '/'
        "F0 8F BF BF", // overlong U+FFFF
        "ED A0 80", // UTF-16 surrogate U+D800
        "ED BF BF", // UTF-16 surrogate U+DFFF
        "F4 90 80 80", // beyond U+10FFFF
        "F5 80 80 80", // never a lead byte
        "FF",
        "80", // continuation without a lead
        "E2 82", // truncated before an ASCII quote
      })
  void illFormedUtf8IsRejected(String hex) {
    byte[] bad = HexFormat.ofDelimiter(" ").parseHex(hex);
    for (String template : List.of("{\"a\":\"x%sy\"}\n", "{\"x%sy\":1}\n")) {
      String[] parts = template.split("%s");
      byte[] head = parts[0].getBytes(StandardCharsets.US_ASCII);
      byte[] tail = parts[1].getBytes(StandardCharsets.US_ASCII);
      byte[] message = new byte[head.length + bad.length + tail.length];
      System.arraycopy(head, 0, message, 0, head.length);
      System.arraycopy(bad, 0, message, head.length, bad.length);
      System.arraycopy(tail, 0, message, head.length + bad.length, tail.length);
      // Whole, and split inside the sequence (the decoder sees it across two reads).
      for (int split : new int[] {message.length, head.length + 1}) {
        Sink sink = new Sink();
        EmbeddedChannel ch = channel(sink, 1 << 20, 64);
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(message, 0, split)));
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(message, split, message.length)));
        assertThat(sink.errors)
            .as("%s in %s, split at %d", hex, template.trim(), split)
            .singleElement(InstanceOfAssertFactories.THROWABLE)
            .isInstanceOf(QmpProtocolException.class)
            .hasMessageContaining("UTF-8");
        assertThat(sink.messages).isEmpty();
      }
    }
  }

  @Test
  void wellFormedMultiByteUtf8IsAccepted() {
    String text = "{\"a\":\"\u00e9\u07ff\u0800\uffff\ud800\udc00\udbff\udfff\u20ac\"}";
    Sink sink = new Sink();
    channel(sink, 1 << 20, 64).writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    assertThat(sink.errors).isEmpty();
    assertThat(sink.messages.get(0).path("a").asString())
        .isEqualTo("\u00e9\u07ff\u0800\uffff\ud800\udc00\udbff\udfff\u20ac");
  }

  @Test
  void streamEndingInsideAMessageIsReported() {
    Sink sink = new Sink();
    EmbeddedChannel ch = channel(sink, 1 << 20, 64);
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "{\"return\": {}, \"id\": \"1\"}\n{\"return\": {\"sta", StandardCharsets.UTF_8));
    assertThat(sink.messages).hasSize(1);
    ch.close();
    assertThat(sink.errors)
        .singleElement(InstanceOfAssertFactories.THROWABLE)
        .isInstanceOf(QmpProtocolException.class)
        .hasMessageContaining("ended inside a message");
  }

  @Test
  void inputAfterAnErrorIsDiscarded() {
    Sink sink = new Sink();
    EmbeddedChannel ch = channel(sink, 1 << 20, 64);
    ch.writeInbound(Unpooled.copiedBuffer("xyz", StandardCharsets.UTF_8));
    ch.writeInbound(Unpooled.copiedBuffer("{\"return\": {}}", StandardCharsets.UTF_8));
    assertThat(sink.messages).isEmpty();
    assertThat(sink.errors).hasSize(1);
  }
}
