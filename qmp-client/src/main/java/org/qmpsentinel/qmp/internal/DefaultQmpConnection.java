package org.qmpsentinel.qmp.internal;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.BlockingQmp;
import org.qmpsentinel.qmp.PeerCredentials;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import org.qmpsentinel.qmp.QmpConnectionStats;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpEventListener;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpGreeting;
import org.qmpsentinel.qmp.QmpRawReply;
import org.qmpsentinel.qmp.QmpSubscription;
import org.qmpsentinel.qmp.internal.events.EventDispatcher;
import org.qmpsentinel.qmp.internal.protocol.QmpSessionHandler;
import org.qmpsentinel.qmp.internal.protocol.ReplyHandler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The caller's side of a session. Each command crosses to the event loop once to be written and
 * comes back once, to the callback executor (the client's pool, or the caller's {@link
 * QmpClientOptions#callbackExecutor()}), where its reply is decoded into the typed result.
 */
final class DefaultQmpConnection implements QmpConnection {
  private final QmpEndpoint endpoint;
  private final Channel channel;
  private final QmpSessionHandler session;
  private final EventDispatcher dispatcher;
  private final QmpGreeting greeting;
  private final Optional<PeerCredentials> credentials;
  private final QmpClientOptions options;
  private final Executor callbacks;
  private final AtomicLong ids = new AtomicLong();
  private final CompletableFuture<Throwable> closeFuture = new CompletableFuture<>();

  DefaultQmpConnection(
      QmpEndpoint endpoint,
      Channel channel,
      QmpSessionHandler session,
      EventDispatcher dispatcher,
      QmpGreeting greeting,
      Optional<PeerCredentials> credentials,
      QmpClientOptions options,
      Executor callbacks) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.session = session;
    this.dispatcher = dispatcher;
    this.greeting = greeting;
    this.credentials = credentials;
    this.options = options;
    // The default pool is not a serial queue: a caller may block on another command inside a
    // completion callback, which would deadlock if both completions had to pass through one queue.
    // A caller-supplied executor is the caller's choice (documented: never block there).
    this.callbacks = callbacks;
    session.closed().thenAccept(cause -> callbacks.execute(() -> closeFuture.complete(cause)));
  }

  @Override
  public QmpEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public QmpGreeting greeting() {
    return greeting;
  }

  @Override
  public boolean oobEnabled() {
    return session.oobEnabled();
  }

  @Override
  public Optional<PeerCredentials> peerCredentials() {
    return credentials;
  }

  @Override
  public <T> CompletableFuture<T> execute(QmpCommand<T> command) {
    return execute(command, options.commandTimeout());
  }

  @Override
  public <T> CompletableFuture<T> execute(QmpCommand<T> command, Duration timeout) {
    long id = ids.incrementAndGet();
    CommandFuture<T> result =
        new CommandFuture<>(command, callbacks, () -> onLoop(() -> session.cancel(id)));
    boolean queued =
        onLoop(
            () ->
                session.send(
                    id, command.name(), command.arguments(), command.oob(), timeout, result));
    if (!queued) {
      result.completeExceptionally(
          new QmpConnectionClosedException(
              "cannot send " + command.name() + ": the client is closed", null, false));
    }
    return result;
  }

  @Override
  public ObjectNode greetingMessage() {
    ObjectNode raw = session.greetingMessage();
    return raw == null ? JsonNodeFactory.instance.objectNode() : raw.deepCopy();
  }

  @Override
  public void forward(ObjectNode command, Duration timeout, QmpRawReply reply) {
    long id = ids.incrementAndGet();
    ObjectNode copy = command.deepCopy();
    ReplyHandler handler =
        new ReplyHandler() {
          @Override
          public void onReply(String name, JsonNode message) {
            ObjectNode answer = (ObjectNode) message;
            answer.remove("id");
            reply.onReply(answer);
          }

          @Override
          public void onReturn(@Nullable JsonNode value) {
            throw new IllegalStateException("onReply takes every reply");
          }

          @Override
          public void onFailure(QmpException error) {
            reply.onFailure(error);
          }
        };
    if (channel.eventLoop().inEventLoop()) {
      session.forward(id, copy, timeout, handler); // a proxy's channel on our loop: no hop
    } else if (!onLoop(() -> session.forward(id, copy, timeout, handler))) {
      reply.onFailure(
          new QmpConnectionClosedException("cannot forward: the client is closed", null, false));
    }
  }

  @Override
  public Optional<io.netty.channel.EventLoop> eventLoop() {
    return Optional.of(channel.eventLoop());
  }

  /** Runs {@code task} on the event loop; false if the loop is shut down (client closed). */
  private boolean onLoop(Runnable task) {
    try {
      channel.eventLoop().execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  @Override
  public QmpSubscription subscribe(Predicate<QmpEvent> filter, QmpEventListener listener) {
    return dispatcher.subscribe(filter, listener, callbacks);
  }

  @Override
  public QmpSubscription subscribe(
      Predicate<QmpEvent> filter, QmpEventListener listener, Executor executor) {
    return dispatcher.subscribe(filter, listener, executor);
  }

  @Override
  public QmpConnectionStats stats() {
    return new QmpConnectionStats(
        session.unknownReplies(), session.lateReplies(), dispatcher.eventsDropped());
  }

  @Override
  public int pendingCommands() {
    return session.pendingCount();
  }

  @Override
  public boolean isOpen() {
    return channel.isActive() && !closeFuture.isDone();
  }

  @Override
  public CompletableFuture<Throwable> closeFuture() {
    return closeFuture;
  }

  @Override
  public BlockingQmp blocking() {
    return new DefaultBlockingQmp(this);
  }

  @Override
  public void close() {
    onLoop(() -> session.closeLocally("connection closed by the caller")); // a closed loop: done
  }

  @Override
  public String toString() {
    return "QmpConnection[" + endpoint + "]";
  }
}
