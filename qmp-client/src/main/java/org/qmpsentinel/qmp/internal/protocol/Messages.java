package org.qmpsentinel.qmp.internal.protocol;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpGreeting;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.QmpVersion;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Builders and readers for QMP's wire forms ({@code docs/interop/qmp-spec.txt}). */
public final class Messages {
  private Messages() {}

  /** Reads {@code {"QMP": {"version": {...}, "capabilities": [...]}}}. */
  public static QmpGreeting parseGreeting(JsonNode message) {
    JsonNode qmp = message.get("QMP");
    if (qmp == null || !qmp.isObject()) {
      throw new QmpProtocolException("expected the QMP greeting, got " + abbreviate(message));
    }
    // The spec makes "capabilities" an array of strings; anything else is a peer we cannot trust
    // to speak QMP, so it fails the session here rather than as a Jackson coercion error later.
    JsonNode listed = qmp.path("capabilities");
    if (!listed.isArray()) {
      throw new QmpProtocolException(
          "the QMP greeting's capabilities are not an array: " + abbreviate(message));
    }
    Set<String> capabilities = new HashSet<>();
    for (JsonNode c : listed) {
      if (!c.isString()) {
        throw new QmpProtocolException(
            "the QMP greeting lists a capability that is not a string: " + abbreviate(message));
      }
      capabilities.add(c.stringValue());
    }
    return new QmpGreeting(parseVersion(qmp.path("version")), capabilities);
  }

  /** Reads a VersionInfo: {@code {"qemu": {"major":7,...}, "package": "..."}}. */
  public static QmpVersion parseVersion(JsonNode version) {
    JsonNode qemu = version.path("qemu");
    return new QmpVersion(
        qemu.path("major").asInt(0),
        qemu.path("minor").asInt(0),
        qemu.path("micro").asInt(0),
        version.path("package").asString("").trim());
  }

  /** {@code {"execute" | "exec-oob": name, "arguments": {...}, "id": id}}. */
  public static ObjectNode command(
      String id, String name, @Nullable JsonNode arguments, boolean oob) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put(oob ? "exec-oob" : "execute", name);
    if (arguments != null && !arguments.isNull()) {
      node.set("arguments", arguments);
    }
    node.put("id", id);
    return node;
  }

  /** The error reply {@code {"class": ..., "desc": ...}} to {@code command}. */
  public static QmpErrorException error(String command, JsonNode error) {
    return new QmpErrorException(
        command, error.path("class").asString(""), error.path("desc").asString(""));
  }

  /**
   * {@code {"event": name, "data": {...}, "timestamp": {"seconds": s, "microseconds": us}}}; a
   * missing {@code data} becomes an empty object.
   */
  public static QmpEvent event(JsonNode message) {
    JsonNode ts = message.path("timestamp");
    Instant timestamp =
        Instant.ofEpochSecond(
            ts.path("seconds").asLong(0), ts.path("microseconds").asLong(0) * 1000);
    JsonNode data = message.get("data");
    if (data == null) {
      data = JsonNodeFactory.instance.objectNode();
    }
    return new QmpEvent(message.path("event").asString(""), data, timestamp);
  }

  /** A short rendering of a message for error text (never the whole of a large message). */
  public static String abbreviate(Object message) {
    String text = String.valueOf(message);
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }
}
