package org.qmpsentinel.agent.proxy;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The QMP reply messages the proxy answers itself, in QEMU's own wire form. */
final class QmpReplies {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private QmpReplies() {}

  /** {@code {"return": {}}}. */
  static ObjectNode emptyReturn() {
    ObjectNode reply = JSON.objectNode();
    reply.putObject("return");
    return reply;
  }

  /** {@code {"error": {"class": ..., "desc": ...}}}. */
  static ObjectNode error(String errorClass, String desc) {
    ObjectNode reply = JSON.objectNode();
    ObjectNode error = reply.putObject("error");
    error.put("class", errorClass);
    error.put("desc", desc);
    return reply;
  }

  static ObjectNode genericError(String desc) {
    return error("GenericError", desc);
  }

  /** Gives a reply the client's own id back (QEMU echoes any JSON value); none if it sent none. */
  static ObjectNode withId(ObjectNode reply, @Nullable JsonNode clientId) {
    if (clientId != null) {
      reply.set("id", clientId);
    } else {
      reply.remove("id");
    }
    return reply;
  }
}
