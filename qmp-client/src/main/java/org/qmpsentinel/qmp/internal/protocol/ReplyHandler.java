package org.qmpsentinel.qmp.internal.protocol;

import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpException;
import tools.jackson.databind.JsonNode;

/**
 * Receives the outcome of one command, exactly once, on the event loop. Implementations must not
 * block; the connection's implementation hands the outcome to the caller's executor.
 */
public interface ReplyHandler {
  /**
   * A {@code return} or {@code error} message to the command {@code name}. By default split into
   * {@link #onReturn} and {@link #onFailure}; a raw forwarder takes the whole message.
   */
  default void onReply(String name, JsonNode message) {
    JsonNode error = message.get("error");
    if (error != null) {
      onFailure(Messages.error(name, error));
    } else {
      onReturn(message.get("return"));
    }
  }

  /** The {@code return} member of a success reply ({@code null} only if the peer omitted it). */
  void onReturn(@Nullable JsonNode value);

  /** An error reply, a timeout, or the connection closing first. */
  void onFailure(QmpException error);
}
