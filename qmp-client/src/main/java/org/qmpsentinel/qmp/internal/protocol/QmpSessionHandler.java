package org.qmpsentinel.qmp.internal.protocol;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpGreeting;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One QMP session: reads the greeting, negotiates capabilities, then hands replies to the {@link
 * CommandRouter} and events to a sink. Every method runs on the channel's event loop, so the state
 * needs no locks; nothing here blocks or runs caller code.
 */
public final class QmpSessionHandler extends ChannelInboundHandlerAdapter {

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
  private final CompletableFuture<QmpGreeting> negotiated = new CompletableFuture<>();
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();

  // Set in handlerAdded, before any other call.
  @SuppressWarnings("NullAway.Init")
  private ChannelHandlerContext ctx;

  @SuppressWarnings("NullAway.Init")
  private CommandRouter commands;

  private State state = State.AWAITING_GREETING;
  private @Nullable QmpGreeting greeting;
  private @Nullable ObjectNode greetingMessage;
  private boolean oobEnabled;
  private @Nullable Throwable failure;

  /**
   * @param requestOob enable out-of-band execution when the server offers it
   * @param eventSink receives every event, in order, on the event loop; must not block
   */
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

  /** Commands sent and not answered; any thread. */
  public int pendingCount() {
    return commands.pendingCount();
  }

  /** Replies dropped because their command had timed out or been cancelled; any thread. */
  public long lateReplies() {
    return commands.lateReplies();
  }

  /** Replies dropped because their id was never sent on this connection; any thread. */
  public long unknownReplies() {
    return commands.unknownReplies();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.commands = new CommandRouter(ctx);
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
    if (canSend(name, oob, reply)) {
      commands.send(id, name, arguments, oob, timeout, reply);
    }
  }

  /**
   * Sends a complete command as the caller wrote it ({@code execute} or {@code exec-oob}, any
   * members), with its {@code id} member replaced by {@code id}; {@code reply} hears the whole
   * reply message on the event loop ({@link ReplyHandler#onReply}).
   */
  public void forward(long id, ObjectNode command, Duration timeout, ReplyHandler reply) {
    boolean oob = command.has("exec-oob");
    String name = command.path(oob ? "exec-oob" : "execute").asString("");
    command.put("id", Long.toString(id));
    if (canSend(name, oob, reply)) {
      commands.send(id, name, command, timeout, reply);
    }
  }

  /** Whether a command may go out now; if not, {@code reply} has been told why. */
  private boolean canSend(String name, boolean oob, ReplyHandler reply) {
    if (state != State.READY) {
      reply.onFailure(
          new QmpConnectionClosedException(
              "cannot send " + name + ": session is " + state, failure));
      return false;
    }
    if (oob && !oobEnabled) {
      reply.onFailure(
          new QmpProtocolException("cannot send " + name + " out-of-band: oob not negotiated"));
      return false;
    }
    return true;
  }

  /** The greeting exactly as the server sent it; {@code null} before it arrived. */
  public @Nullable ObjectNode greetingMessage() {
    return greetingMessage;
  }

  /** The caller cancelled: forget the command so that its late reply is discarded. */
  public void cancel(long id) {
    commands.cancel(id);
  }

  /**
   * Closes the session locally; pending commands fail with {@link QmpConnectionClosedException}.
   */
  public void closeLocally(String why) {
    abort(new QmpConnectionClosedException(why, null));
  }

  /** Closes the session because of {@code cause}, which becomes the reason reported to callers. */
  public void abort(Throwable cause) {
    if (failure == null) {
      failure = cause;
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
    } catch (RuntimeException e) {
      // A message of the right outline with a member of the wrong type (Jackson's coercion
      // errors): still the peer's malformed input, so it is reported as a protocol violation.
      abort(
          new QmpProtocolException(
              "malformed message (" + e.getMessage() + "): " + Messages.abbreviate(msg), e));
    }
  }

  private void onGreeting(JsonNode message) {
    greeting = Messages.parseGreeting(message);
    greetingMessage = ((ObjectNode) message).deepCopy();
    ObjectNode arguments = null;
    if (requestOob && greeting.capabilities().contains("oob")) {
      arguments = JsonNodeFactory.instance.objectNode();
      arguments.putArray("enable").add("oob");
      oobEnabled = true;
    }
    state = State.NEGOTIATING;
    ctx.writeAndFlush(Messages.command(NEGOTIATION_ID, "qmp_capabilities", arguments, false));
  }

  private void onNegotiationReply(JsonNode message) {
    if (message.has("event")) {
      eventSink.accept(Messages.event(message));
      return;
    }
    if (!NEGOTIATION_ID.equals(message.path("id").asString(null))) {
      throw new QmpProtocolException(
          "expected the qmp_capabilities reply, got " + Messages.abbreviate(message));
    }
    if (message.has("error")) {
      throw Messages.error("qmp_capabilities", message.get("error"));
    }
    state = State.READY;
    negotiated.complete(greeting);
  }

  private void onMessage(JsonNode message) {
    if (message.has("event")) {
      eventSink.accept(Messages.event(message));
    } else if (message.has("return") || message.has("error")) {
      commands.onReply(message);
    } else {
      throw new QmpProtocolException("unknown message " + Messages.abbreviate(message));
    }
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
    commands.failAll(reason);
    negotiated.completeExceptionally(
        reason instanceof QmpException
            ? reason
            : new QmpConnectionClosedException(
                "connection closed during negotiation: " + reason.getMessage(), reason));
    closed.complete(reason);
    ctx.fireChannelInactive();
  }
}
