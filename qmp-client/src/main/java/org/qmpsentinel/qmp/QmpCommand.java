package org.qmpsentinel.qmp;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * One QMP command: its name, its arguments and how to turn the {@code return} member of the reply
 * into a Java value. Immutable; the connection assigns the id.
 *
 * @param arguments the {@code arguments} object, or {@code null} for none
 * @param oob send with {@code exec-oob} (only when the connection negotiated OOB)
 */
public record QmpCommand<T>(
    String name, @Nullable JsonNode arguments, boolean oob, Function<JsonNode, T> replyDecoder) {

  /** A command whose reply is returned as the raw JSON tree. */
  public static QmpCommand<JsonNode> raw(String name, @Nullable JsonNode arguments) {
    return new QmpCommand<>(name, arguments, false, Function.identity());
  }

  public QmpCommand<T> withOob(boolean oob) {
    return new QmpCommand<>(name, arguments, oob, replyDecoder);
  }
}
