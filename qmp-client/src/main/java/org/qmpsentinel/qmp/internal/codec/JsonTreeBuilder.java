package org.qmpsentinel.qmp.internal.codec;

import java.util.ArrayDeque;
import java.util.Deque;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds a {@link JsonNode} from the tokens of a non-blocking parser, one token at a time, so a
 * message can arrive in any number of pieces. Enforces the nesting limit as containers open and the
 * token limit before each token adds to the tree: a message of millions of tiny values ({@code
 * [{},{},...]}) fits in the byte limit but would cost about 80 bytes of heap per value.
 */
final class JsonTreeBuilder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final int maxDepth;
  private final int maxTokens;
  private final Deque<JsonNode> open = new ArrayDeque<>();
  private @Nullable String fieldName;
  private int tokens; // in the message being built
  private int peakTokens; // the most any message has held, for tests

  /**
   * @param maxTokens the most tokens that add to a message's tree — values (containers and scalars)
   *     and member names
   */
  JsonTreeBuilder(int maxDepth, int maxTokens) {
    this.maxDepth = maxDepth;
    this.maxTokens = maxTokens;
  }

  /** The largest number of tokens any one message has held so far. */
  int peakTokens() {
    return peakTokens;
  }

  /** Drops the message in progress (after an error) so that its tree can be collected. */
  void reset() {
    open.clear();
    fieldName = null;
    tokens = 0;
  }

  /** True while inside a top-level value. */
  boolean inMessage() {
    return !open.isEmpty();
  }

  /**
   * Consumes the parser's current token.
   *
   * @return the finished top-level value when this token completed one, else {@code null}
   */
  @Nullable JsonNode accept(JsonToken token, JsonParser parser) {
    if (token != JsonToken.END_OBJECT && token != JsonToken.END_ARRAY) {
      count();
    }
    switch (token) {
      case START_OBJECT:
        return openContainer(NODES.objectNode());
      case START_ARRAY:
        return openContainer(NODES.arrayNode());
      case END_OBJECT:
      case END_ARRAY:
        JsonNode closed = open.pop();
        if (open.isEmpty()) {
          tokens = 0;
          return closed;
        }
        return null;
      case PROPERTY_NAME:
        fieldName = parser.currentName();
        return null;
      case VALUE_STRING:
        return addScalar(NODES.stringNode(parser.getString()));
      case VALUE_NUMBER_INT:
        return addScalar(intNode(parser));
      case VALUE_NUMBER_FLOAT:
        return addScalar(NODES.numberNode(parser.getDoubleValue()));
      case VALUE_TRUE:
        return addScalar(NODES.booleanNode(true));
      case VALUE_FALSE:
        return addScalar(NODES.booleanNode(false));
      case VALUE_NULL:
        return addScalar(NODES.nullNode());
      default:
        throw new QmpProtocolException("unexpected JSON token " + token);
    }
  }

  private void count() {
    if (tokens >= maxTokens) {
      throw new QmpProtocolException(
          "message has more than the limit of "
              + maxTokens
              + " JSON values and member names (maxTokensPerMessage)");
    }
    tokens++;
    peakTokens = Math.max(peakTokens, tokens);
  }

  private static JsonNode intNode(JsonParser parser) {
    switch (parser.getNumberType()) {
      case INT:
        return NODES.numberNode(parser.getIntValue());
      case LONG:
        return NODES.numberNode(parser.getLongValue());
      default:
        // QMP's uint64 values above Long.MAX_VALUE (e.g. some stats) arrive here.
        return NODES.numberNode(parser.getBigIntegerValue());
    }
  }

  private @Nullable JsonNode openContainer(JsonNode container) {
    if (open.size() >= maxDepth) {
      throw new QmpProtocolException("JSON nesting deeper than the limit of " + maxDepth);
    }
    attach(container);
    open.push(container);
    return null;
  }

  private @Nullable JsonNode addScalar(JsonNode value) {
    if (open.isEmpty()) {
      tokens = 0;
      return value; // a bare scalar at top level: complete (and rejected by the protocol layer)
    }
    attach(value);
    return null;
  }

  private void attach(JsonNode value) {
    JsonNode parent = open.peek();
    if (parent == null) {
      return;
    }
    if (parent instanceof ObjectNode object) {
      object.set(fieldName, value);
    } else {
      ((ArrayNode) parent).add(value);
    }
  }
}
