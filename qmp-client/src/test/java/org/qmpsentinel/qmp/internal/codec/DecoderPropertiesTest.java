package org.qmpsentinel.qmp.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Whatever arrives, in whatever pieces, the decoder either yields the messages or rejects the
 * stream with one {@link QmpProtocolException} that says why — never another exception.
 */
class DecoderPropertiesTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_BYTES = 1 << 20;
  private static final int MAX_DEPTH = 6;
  private static final int MAX_TOKENS = 60;

  @Provide
  Arbitrary<List<JsonNode>> messages() {
    Arbitrary<JsonNode> scalars =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(12).map(NODES::stringNode),
            Arbitraries.longs().map(NODES::numberNode),
            Arbitraries.doubles().between(-1e9, 1e9).map(NODES::numberNode),
            // uint64 counters above Long.MAX_VALUE, as query-stats sends them
            Arbitraries.bigIntegers()
                .between(BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(64))
                .map(NODES::numberNode),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.just(NODES.nullNode()));
    Arbitrary<String> names = Arbitraries.strings().ofMaxLength(6);
    // Containers one time in four, two children on average: trees stay small (a fixed-depth
    // recursion of lists would grow exponentially) but sometimes go deep or wide enough to
    // break the limits.
    Arbitrary<JsonNode> values = value(scalars, names);
    return Arbitraries.maps(names, values)
        .ofMaxSize(4)
        .map(DecoderPropertiesTest::object)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4);
  }

  private static Arbitrary<JsonNode> value(Arbitrary<JsonNode> scalars, Arbitrary<String> names) {
    return Arbitraries.frequencyOf(
        Tuple.of(6, scalars),
        Tuple.of(
            1,
            Arbitraries.lazy(() -> value(scalars, names))
                .list()
                .ofMaxSize(4)
                .map(DecoderPropertiesTest::array)),
        Tuple.of(
            1,
            Arbitraries.maps(names, Arbitraries.lazy(() -> value(scalars, names)))
                .ofMaxSize(4)
                .map(DecoderPropertiesTest::object)));
  }

  /** As text: equal trees may differ in node classes (a long 0 is decoded as an int 0). */
  private static List<String> text(List<JsonNode> messages) {
    return messages.stream().map(JsonNode::toString).toList();
  }

  private static JsonNode array(List<JsonNode> items) {
    ArrayNode array = NODES.arrayNode();
    items.forEach(array::add);
    return array;
  }

  private static JsonNode object(java.util.Map<String, JsonNode> members) {
    ObjectNode object = NODES.objectNode();
    members.forEach(object::set);
    return object;
  }

  private static int depth(JsonNode node) {
    int inner = 0;
    for (JsonNode child : node) {
      inner = Math.max(inner, depth(child));
    }
    return node.isContainer() ? inner + 1 : 0;
  }

  private static int tokens(JsonNode node) {
    int count = 1;
    for (JsonNode child : node) {
      count += tokens(child);
    }
    return count + (node.isObject() ? node.size() : 0); // member names
  }

  private static byte[] encode(List<JsonNode> messages) {
    StringBuilder text = new StringBuilder();
    messages.forEach(m -> text.append(m).append("\r\n"));
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Feeds {@code bytes} split at {@code cuts} (positions, any order) and ends the stream. */
  private static FramingDecoderTest.Sink feed(byte[] bytes, List<Integer> cuts) {
    FramingDecoderTest.Sink sink = new FramingDecoderTest.Sink();
    EmbeddedChannel ch =
        new EmbeddedChannel(new JsonMessageDecoder(MAX_BYTES, MAX_DEPTH, MAX_TOKENS), sink);
    int[] at = cuts.stream().mapToInt(c -> Math.floorMod(c, bytes.length + 1)).sorted().toArray();
    int from = 0;
    for (int cut : at) {
      ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, from, cut)));
      from = cut;
    }
    ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, from, bytes.length)));
    ch.finish();
    ch.checkException();
    return sink;
  }

  private static void assertOnlyClearProtocolErrors(FramingDecoderTest.Sink sink) {
    assertThat(sink.errors).hasSizeLessThanOrEqualTo(1);
    for (Throwable error : sink.errors) {
      assertThat(error).isInstanceOf(QmpProtocolException.class);
      assertThat(error.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 200)
  void validMessagesAreDecodedExactlyOrRejectedForTheLimitTheyBreak(
      @ForAll("messages") List<JsonNode> messages, @ForAll @Size(max = 4) List<Integer> cuts) {
    FramingDecoderTest.Sink sink = feed(encode(messages), cuts);
    assertOnlyClearProtocolErrors(sink);
    List<JsonNode> withinLimits = new ArrayList<>();
    for (JsonNode m : messages) {
      if (depth(m) > MAX_DEPTH || tokens(m) > MAX_TOKENS) {
        assertThat(sink.errors)
            .singleElement()
            .extracting(Throwable::getMessage)
            .asString()
            .containsAnyOf("nesting deeper", "maxTokensPerMessage");
        assertThat(text(sink.messages)).isEqualTo(text(withinLimits));
        return;
      }
      withinLimits.add(m);
    }
    assertThat(sink.errors).isEmpty();
    assertThat(text(sink.messages)).isEqualTo(text(messages));
  }

  @Property(tries = 300)
  void corruptedStreamsAreDecodedOrRejectedWithAProtocolErrorOnly(
      @ForAll("messages") List<JsonNode> messages,
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 100_000) Integer> positions,
      @ForAll @Size(min = 4, max = 4) List<Byte> garbage,
      @ForAll @Size(max = 3) List<Integer> cuts) {
    byte[] bytes = encode(messages);
    for (int i = 0; i < positions.size(); i++) {
      bytes[positions.get(i) % bytes.length] = garbage.get(i);
    }
    FramingDecoderTest.Sink sink = feed(bytes, cuts);
    assertOnlyClearProtocolErrors(sink);
    assertThat(sink.messages).allMatch(m -> m != null);
  }
}
