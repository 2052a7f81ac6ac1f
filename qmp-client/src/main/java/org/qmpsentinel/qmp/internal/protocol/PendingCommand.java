package org.qmpsentinel.qmp.internal.protocol;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;

/**
 * A command sent and not yet answered. The raw future completes on the event loop with the {@code
 * return} member; the connection turns it into the caller's typed future.
 */
final class PendingCommand {
  final String id;
  final String name;
  final CompletableFuture<JsonNode> reply;
  final Duration timeout;

  /** Event-loop ticker time (nanos) after which the command times out. */
  final long deadline;

  PendingCommand(
      String id, String name, CompletableFuture<JsonNode> reply, Duration timeout, long deadline) {
    this.id = id;
    this.name = name;
    this.reply = reply;
    this.timeout = timeout;
    this.deadline = deadline;
  }
}
