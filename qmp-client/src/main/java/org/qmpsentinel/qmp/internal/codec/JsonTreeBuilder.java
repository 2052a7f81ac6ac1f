package org.qmpsentinel.qmp.internal.codec;

import java.util.ArrayDeque;
import java.util.Deque;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds a {@link JsonNode} from the tokens of a non-blocking parser, one token at a time, so a
 * message can arrive in any number of pieces. Enforces the nesting limit as containers open.
 */
final class JsonTreeBuilder {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final int maxDepth;
  private final Deque<JsonNode> open = new ArrayDeque<>();
  private String fieldName;

  JsonTreeBuilder(int maxDepth) {
    this.maxDepth = maxDepth;
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
  JsonNode accept(JsonToken token, JsonParser parser) {
    switch (token) {
      case START_OBJECT:
        return openContainer(NODES.objectNode());
      case START_ARRAY:
        return openContainer(NODES.arrayNode());
      case END_OBJECT:
      case END_ARRAY:
        JsonNode closed = open.pop();
        return open.isEmpty() ? closed : null;
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

  private JsonNode openContainer(JsonNode container) {
    if (open.size() >= maxDepth) {
      throw new QmpProtocolException("JSON nesting deeper than the limit of " + maxDepth);
    }
    attach(container);
    open.push(container);
    return null;
  }

  private JsonNode addScalar(JsonNode value) {
    if (open.isEmpty()) {
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
