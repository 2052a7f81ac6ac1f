package org.qmpsentinel.qmp.internal.protocol;

import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The READY session's command traffic: writes commands, routes each reply to its command by id,
 * times commands out, and fails what is left when the connection closes. Confined to the event
 * loop; only the counters are read from other threads.
 */
final class CommandRouter {
  // Logged under the session handler's name: it is what operators know to look for.
  private static final Logger log = LoggerFactory.getLogger(QmpSessionHandler.class);

  private final ChannelHandlerContext ctx;
  private final PendingCommands pending = new PendingCommands(this::timedOut);
  private final AtomicInteger pendingCount = new AtomicInteger();
  // Written on the event loop only.
  private volatile long lateReplies;
  private volatile long unknownReplies;

  CommandRouter(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    pending.bind(ctx.executor());
  }

  int pendingCount() {
    return pendingCount.get();
  }

  long lateReplies() {
    return lateReplies;
  }

  long unknownReplies() {
    return unknownReplies;
  }

  void send(
      long id,
      String name,
      @Nullable JsonNode arguments,
      boolean oob,
      Duration timeout,
      ReplyHandler reply) {
    send(id, name, Messages.command(Long.toString(id), name, arguments, oob), timeout, reply);
  }

  /** Sends {@code message}, a complete command whose {@code id} member is already {@code id}. */
  void send(long id, String name, ObjectNode message, Duration timeout, ReplyHandler reply) {
    String idText = Long.toString(id);
    PendingCommand command =
        new PendingCommand(idText, name, reply, timeout, pending.now() + timeout.toNanos());
    pending.add(id, command);
    pendingCount.set(pending.size());
    ctx.writeAndFlush(message)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                command.written = true;
              } else if (pending.take(idText) != null) {
                pendingCount.set(pending.size());
                reply.onFailure(
                    new QmpConnectionClosedException("failed to send " + name, f.cause()));
              }
            });
  }

  void cancel(long id) {
    pending.take(Long.toString(id));
    pendingCount.set(pending.size());
  }

  private void timedOut(PendingCommand command) {
    pendingCount.set(pending.size());
    command.reply.onFailure(new QmpTimeoutException(command.name, command.timeout));
  }

  /** A {@code return} or {@code error} message. */
  void onReply(JsonNode message) {
    JsonNode idNode = message.get("id");
    if (idNode == null || !idNode.isString()) {
      // QEMU replies without id only to input it could not parse: that means we sent garbage,
      // and the reply cannot be matched to its command (qemu.qmp gives up the same way).
      throw new QmpProtocolException("reply without our id: " + Messages.abbreviate(message));
    }
    String id = idNode.asString();
    PendingCommand command = pending.take(id);
    if (command == null) {
      drop(id, message);
      return;
    }
    pendingCount.set(pending.size());
    command.reply.onReply(command.name, message);
  }

  /**
   * The QMP specification: "Clients should drop all the responses that have an unknown id field"
   * (qemu.qmp does the same). A reply to an id we sent but no longer wait for is expected after a
   * timeout or cancellation; one to an id we never sent is the peer's bug, worth one warning per
   * connection but not a reason to drop the session and every command in flight.
   */
  private void drop(String id, JsonNode message) {
    if (pending.wasIssued(id)) {
      lateReplies++;
      log.debug("{}: dropped the late reply to id {}", ctx.channel(), id);
      return;
    }
    unknownReplies++;
    if (unknownReplies == 1) {
      log.warn(
          "{}: dropped a reply to unknown id {} (further ones are logged at DEBUG): {}",
          ctx.channel(),
          id,
          Messages.abbreviate(message));
    } else {
      log.debug("{}: dropped a reply to unknown id {}", ctx.channel(), id);
    }
  }

  /** The connection closed for {@code reason}: fails every command still waiting. */
  void failAll(Throwable reason) {
    for (PendingCommand command : pending.drain()) {
      command.reply.onFailure(
          new QmpConnectionClosedException(
              "connection closed before the reply to "
                  + command.name
                  + (command.written ? " (sent; outcome unknown): " : " (never sent): ")
                  + reason.getMessage(),
              reason,
              command.written));
    }
    pendingCount.set(0);
  }
}
