package org.qmpsentinel.qmp;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A negotiated QMP session (capabilities already exchanged). Thread-safe. By default futures never
 * complete on the Netty event loop, so callers may chain blocking work onto them; with {@link
 * QmpClientOptions#withCallbackExecutor(Executor)} they complete on the caller's executor instead.
 */
public interface QmpConnection extends AutoCloseable {

  QmpEndpoint endpoint();

  QmpGreeting greeting();

  /**
   * The greeting exactly as QEMU sent it ({@code {"QMP": {"version": ..., "capabilities": ...}}}),
   * a copy the caller may keep.
   */
  ObjectNode greetingMessage();

  /**
   * Forwards a command object as another client wrote it — for a proxy that multiplexes clients
   * over this session. {@code command} is sent as it is ({@code execute} or {@code exec-oob}, its
   * {@code arguments}, any other member) except that its {@code id} is replaced by one of this
   * connection's, so that replies route back also out of order; the caller's object is not
   * modified. {@code reply} hears the reply on the event loop (never block there), or the failure:
   * a timeout after {@code timeout}, the connection closing first, or {@code exec-oob} without
   * negotiated OOB. Any thread may call this.
   */
  void forward(ObjectNode command, Duration timeout, QmpRawReply reply);

  /**
   * The Netty event loop this connection's I/O runs on, for a server that puts its own channels on
   * the same thread so that forwarding crosses no thread ({@link #forward} then hears replies on
   * that loop); empty where there is none to lend.
   */
  default Optional<io.netty.channel.EventLoop> eventLoop() {
    return Optional.empty();
  }

  /** {@code true} when {@code oob} was offered, requested and enabled. */
  boolean oobEnabled();

  /** The QEMU process on the other end of a unix socket; empty for TCP. */
  Optional<PeerCredentials> peerCredentials();

  /** Sends the command with the default timeout. */
  <T> CompletableFuture<T> execute(QmpCommand<T> command);

  /**
   * Sends the command. The future fails with {@link QmpErrorException} for an error reply, {@link
   * QmpTimeoutException} after {@code timeout}, {@link QmpConnectionClosedException} when the
   * connection drops first (its {@link QmpConnectionClosedException#commandSent()} tells whether
   * QEMU may have executed the command). Cancelling the future forgets the command (a late reply is
   * discarded and counted in {@link QmpConnectionStats#lateReplies()}).
   */
  <T> CompletableFuture<T> execute(QmpCommand<T> command, Duration timeout);

  /** Raw execute of any command; {@code arguments} may be {@code null}. */
  default CompletableFuture<JsonNode> execute(String command, @Nullable JsonNode arguments) {
    return execute(QmpCommand.raw(command, arguments));
  }

  /** Subscribes to events by name (e.g. {@code "RESET"}). */
  default QmpSubscription subscribe(String eventName, QmpEventListener listener) {
    return subscribe(e -> e.name().equals(eventName), listener);
  }

  /**
   * Subscribes to all events matching {@code filter}, delivered in order on the options' {@link
   * QmpClientOptions#callbackExecutor() callback executor} (by default the client's pool).
   */
  QmpSubscription subscribe(Predicate<QmpEvent> filter, QmpEventListener listener);

  /**
   * Subscribes with an explicit executor for the listener. A direct executor ({@code
   * Runnable::run}) runs the listener on the event loop: only for listeners that never block.
   */
  QmpSubscription subscribe(
      Predicate<QmpEvent> filter, QmpEventListener listener, Executor executor);

  /** Counters of replies dropped and events discarded; cheap, for metrics. */
  QmpConnectionStats stats();

  /** Number of commands sent and not yet answered. */
  int pendingCommands();

  boolean isOpen();

  /**
   * Completes (normally, on the callback executor) when the connection is closed, with the reason
   * it closed.
   */
  CompletableFuture<Throwable> closeFuture();

  /** A synchronous view for scripts and tests. Never call it from an event-loop thread. */
  BlockingQmp blocking();

  /** Closes the connection; pending commands fail with {@link QmpConnectionClosedException}. */
  @Override
  void close();
}
