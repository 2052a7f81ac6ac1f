package org.qmpsentinel.qmp.internal.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpGreeting;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One QMP session: reads the greeting, negotiates capabilities, then matches replies to pending
 * commands by id and hands events to a sink. Every method runs on the channel's event loop, so the
 * state needs no locks; nothing here blocks or runs caller code.
 */
public final class QmpSessionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(QmpSessionHandler.class);

  /** Protocol states, as in qemu.qmp's {@code Runstate}. */
  public enum State {
    AWAITING_GREETING,
    NEGOTIATING,
    READY,
    CLOSED
  }

  private static final String NEGOTIATION_ID = "qmp-capabilities";

  private final boolean requestOob;
  private final Consumer<QmpEvent> eventSink;
  private final PendingCommands pending = new PendingCommands(this::timedOut);
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final CompletableFuture<QmpGreeting> negotiated = new CompletableFuture<>();
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();

  // Set in handlerAdded, before any other call.
  private ChannelHandlerContext ctx;
  private State state = State.AWAITING_GREETING;
  private @Nullable QmpGreeting greeting;
  private boolean oobEnabled;
  private @Nullable Throwable failure;
  // Written on the event loop only; read by stats() anywhere.
  private volatile long lateReplies;
  private volatile long unknownReplies;

  public QmpSessionHandler(boolean requestOob, Consumer<QmpEvent> eventSink) {
    this.requestOob = requestOob;
    this.eventSink = eventSink;
  }

  /** Completes (on the event loop) when the session is READY, or fails if it never gets there. */
  public CompletableFuture<QmpGreeting> negotiated() {
    return negotiated;
  }

  /** Completes with the reason when the channel has closed and every command has been failed. */
  public CompletableFuture<Throwable> closed() {
    return closed;
  }

  /** The protocol state; read it on the event loop (tests read it on the embedded loop). */
  public State state() {
    return state;
  }

  public boolean oobEnabled() {
    return oobEnabled;
  }

  public int pendingCount() {
    return pendingCount.get();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    pending.bind(ctx.executor());
  }

  /**
   * Sends a command. {@code reply} hears, on the event loop, the {@code return} member or the
   * failure.
   *
   * @param id the connection's sequence number for this command, increasing from 1
   */
  public void send(
      long id,
      String name,
      @Nullable JsonNode arguments,
      boolean oob,
      Duration timeout,
      ReplyHandler reply) {
    if (state != State.READY) {
      reply.onFailure(
          new QmpConnectionClosedException(
              "cannot send " + name + ": session is " + state, failure));
      return;
    }
    if (oob && !oobEnabled) {
      reply.onFailure(
          new QmpProtocolException("cannot send " + name + " out-of-band: oob not negotiated"));
      return;
    }
    String idText = Long.toString(id);
    long deadline = pending.now() + timeout.toNanos();
    PendingCommand command = new PendingCommand(idText, name, reply, timeout, deadline);
    pending.add(id, command);
    pendingCount.set(pending.size());
    ctx.writeAndFlush(Messages.command(idText, name, arguments, oob))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                command.written = true;
              } else {
                PendingCommand failed = pending.take(idText);
                if (failed != null) {
                  pendingCount.set(pending.size());
                  failed.reply.onFailure(
                      new QmpConnectionClosedException("failed to send " + name, f.cause()));
                }
              }
            });
  }

  /** The caller cancelled: forget the command so that its late reply is discarded. */
  public void cancel(long id) {
    pending.take(Long.toString(id));
    pendingCount.set(pending.size());
  }

  private void timedOut(PendingCommand command) {
    pendingCount.set(pending.size());
    command.reply.onFailure(new QmpTimeoutException(command.name, command.timeout));
  }

  /**
   * Closes the session locally; pending commands fail with {@link QmpConnectionClosedException}.
   */
  public void closeLocally(String why) {
    if (failure == null) {
      failure = new QmpConnectionClosedException(why, null);
    }
    ctx.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.CLOSED) {
      return;
    }
    try {
      if (!(msg instanceof JsonNode message) || !message.isObject()) {
        throw new QmpProtocolException("expected a JSON object, got " + msg);
      }
      switch (state) {
        case AWAITING_GREETING -> onGreeting(message);
        case NEGOTIATING -> onNegotiationReply(message);
        case READY -> onMessage(message);
        default -> {}
      }
    } catch (QmpProtocolException | QmpErrorException e) {
      abort(e);
    }
  }

  private void onGreeting(JsonNode message) {
    greeting = Messages.parseGreeting(message);
    Set<String> offered = greeting.capabilities();
    ObjectNode arguments = null;
    if (requestOob && offered.contains("oob")) {
      arguments = JsonNodeFactory.instance.objectNode();
      arguments.putArray("enable").add("oob");
      oobEnabled = true;
    }
    state = State.NEGOTIATING;
    ctx.writeAndFlush(Messages.command(NEGOTIATION_ID, "qmp_capabilities", arguments, false));
  }

  private void onNegotiationReply(JsonNode message) {
    if (message.has("event")) {
      onEvent(message);
      return;
    }
    if (!NEGOTIATION_ID.equals(message.path("id").asString(null))) {
      throw new QmpProtocolException(
          "expected the qmp_capabilities reply, got " + Messages.abbreviate(message));
    }
    if (message.has("error")) {
      JsonNode error = message.get("error");
      throw new QmpErrorException(
          "qmp_capabilities", error.path("class").asString(""), error.path("desc").asString(""));
    }
    state = State.READY;
    negotiated.complete(greeting);
  }

  private void onMessage(JsonNode message) {
    if (message.has("event")) {
      onEvent(message);
    } else if (message.has("return") || message.has("error")) {
      onReply(message);
    } else {
      throw new QmpProtocolException("unknown message " + Messages.abbreviate(message));
    }
  }

  private void onReply(JsonNode message) {
    JsonNode idNode = message.get("id");
    if (idNode == null || !idNode.isString()) {
      // QEMU replies without id only to input it could not parse: that means we sent garbage.
      throw new QmpProtocolException("reply without our id: " + Messages.abbreviate(message));
    }
    String id = idNode.asString();
    PendingCommand command = pending.take(id);
    if (command == null) {
      dropUnroutable(id, message);
      return;
    }
    pendingCount.set(pending.size());
    JsonNode error = message.get("error");
    if (error != null) {
      command.reply.onFailure(
          new QmpErrorException(
              command.name, error.path("class").asString(""), error.path("desc").asString("")));
    } else {
      command.reply.onReturn(message.get("return"));
    }
  }

  /**
   * The QMP specification: "Clients should drop all the responses that have an unknown id field"
   * (qemu.qmp does the same). A reply to an id we sent but no longer wait for is expected after a
   * timeout or cancellation; one to an id we never sent is the peer's bug, worth one warning per
   * connection but not a reason to drop the session and every command in flight.
   */
  private void dropUnroutable(String id, JsonNode message) {
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

  private void onEvent(JsonNode message) {
    JsonNode ts = message.path("timestamp");
    Instant timestamp =
        Instant.ofEpochSecond(
            ts.path("seconds").asLong(0), ts.path("microseconds").asLong(0) * 1000);
    JsonNode data = message.get("data");
    if (data == null) {
      data = JsonNodeFactory.instance.objectNode();
    }
    eventSink.accept(new QmpEvent(message.path("event").asString(""), data, timestamp));
  }

  /** Closes the session because of {@code cause}, which becomes the reason reported to callers. */
  public void abort(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable root =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    // I/O errors (e.g. ECONNRESET when QEMU exits) are reported as the typed "connection lost".
    abort(
        root instanceof QmpException
            ? root
            : new QmpConnectionClosedException("connection lost: " + root.getMessage(), root));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSED;
    Throwable reason =
        failure != null
            ? failure
            : new QmpConnectionClosedException("connection closed by peer", null);
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
    negotiated.completeExceptionally(
        reason instanceof QmpException
            ? reason
            : new QmpConnectionClosedException(
                "connection closed during negotiation: " + reason.getMessage(), reason));
    closed.complete(reason);
    ctx.fireChannelInactive();
  }

  /** Replies dropped because their command had timed out or been cancelled. */
  public long lateReplies() {
    return lateReplies;
  }

  /** Replies dropped because their id was never sent on this connection. */
  public long unknownReplies() {
    return unknownReplies;
  }
}
