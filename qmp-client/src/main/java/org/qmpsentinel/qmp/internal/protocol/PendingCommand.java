package org.qmpsentinel.qmp.internal.protocol;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;

/**
 * A command sent and not yet answered. The raw future completes on the event loop with the {@code
 * return} member; the connection turns it into the caller's typed future off the loop.
 */
final class PendingCommand {
  final String id;
  final String name;
  final CompletableFuture<JsonNode> reply;
  ScheduledFuture<?> timeout;

  PendingCommand(String id, String name, CompletableFuture<JsonNode> reply) {
    this.id = id;
    this.name = name;
    this.reply = reply;
  }
}
