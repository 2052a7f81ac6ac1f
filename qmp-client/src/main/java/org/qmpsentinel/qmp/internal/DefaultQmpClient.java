package org.qmpsentinel.qmp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.Errors;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmpsentinel.qmp.Backoff;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpConnectException;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.QmpSupervisor;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.qmpsentinel.qmp.internal.codec.JsonMessageDecoder;
import org.qmpsentinel.qmp.internal.codec.JsonMessageEncoder;
import org.qmpsentinel.qmp.internal.events.EventDispatcher;
import org.qmpsentinel.qmp.internal.protocol.QmpSessionHandler;
import org.qmpsentinel.qmp.internal.transport.Transport;

/**
 * Owns the event loops and the callback threads. Callers' futures, listeners and supervisor
 * callbacks run on the callback pool, never on an event loop, so user code may block without
 * stalling I/O for other connections — unless the options name a {@link
 * QmpClientOptions#callbackExecutor()}, which then takes the pool's place for that connection.
 */
public final class DefaultQmpClient implements QmpClient {
  private final QmpClientOptions defaults;
  private final Transport transport = Transport.create();
  private final ExecutorService callbacks = Executors.newCachedThreadPool(daemon("qmp-callback"));
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(daemon("qmp-timer"));
  private final Set<DefaultQmpConnection> connections = ConcurrentHashMap.newKeySet();

  public DefaultQmpClient(QmpClientOptions defaults) {
    this.defaults = defaults;
  }

  @Override
  public QmpClientOptions defaultOptions() {
    return defaults;
  }

  ExecutorService callbacks() {
    return callbacks;
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  /** Where callbacks of connections made with {@code options} run. */
  Executor callbacks(QmpClientOptions options) {
    Executor chosen = options.callbackExecutor();
    return chosen == null ? callbacks : new CallbackExecutor(chosen, callbacks);
  }

  @Override
  public CompletableFuture<QmpConnection> connect(QmpEndpoint endpoint, QmpClientOptions options) {
    CompletableFuture<QmpConnection> result = new CompletableFuture<>();
    Executor executor = callbacks(options);
    EventDispatcher dispatcher =
        new EventDispatcher(options.eventBufferCapacity(), options.eventOverflowPolicy());
    QmpSessionHandler session = new QmpSessionHandler(options.requestOob(), dispatcher::dispatch);
    Bootstrap bootstrap =
        new Bootstrap()
            .group(transport.group())
            .channel(transport.channelClass(endpoint))
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            "decoder",
                            new JsonMessageDecoder(
                                options.maxMessageBytes(),
                                options.maxNestingDepth(),
                                options.maxTokensPerMessage()))
                        .addLast("encoder", JsonMessageEncoder.INSTANCE)
                        // Pipelined commands: one write syscall per batch, not per command.
                        .addLast("flush", new FlushConsolidationHandler(256, true))
                        .addLast("session", session);
                  }
                });
    ChannelFuture connected;
    try {
      connected = bootstrap.connect(transport.address(endpoint));
    } catch (RuntimeException e) {
      result.completeExceptionally(connectFailed(endpoint, e));
      return result;
    }
    connected.addListener(
        f -> {
          if (!f.isSuccess()) {
            Throwable cause = f.cause();
            executor.execute(() -> result.completeExceptionally(connectFailed(endpoint, cause)));
            return;
          }
          Channel channel = connected.channel();
          // The connect timeout covers the greeting and negotiation too: a QEMU that accepts
          // but never greets (e.g. frozen) must not hang the caller.
          ScheduledFuture<?> negotiationTimeout =
              channel
                  .eventLoop()
                  .schedule(
                      () ->
                          session.abort(
                              new QmpTimeoutException(
                                  "connect to " + endpoint, options.connectTimeout())),
                      options.connectTimeout().toNanos(),
                      TimeUnit.NANOSECONDS);
          var credentials = Transport.peerCredentials(channel);
          session
              .negotiated()
              .whenComplete(
                  (greeting, error) -> {
                    negotiationTimeout.cancel(false);
                    executor.execute(
                        () -> {
                          if (error != null) {
                            result.completeExceptionally(connectFailed(endpoint, error));
                            return;
                          }
                          DefaultQmpConnection connection =
                              new DefaultQmpConnection(
                                  endpoint,
                                  channel,
                                  session,
                                  dispatcher,
                                  greeting,
                                  credentials,
                                  options,
                                  executor);
                          connections.add(connection);
                          connection.closeFuture().thenRun(() -> connections.remove(connection));
                          if (!result.complete(connection)) {
                            connection.close();
                          }
                        });
                  });
          session.closed().thenAccept(dispatcher::close);
        });
    return result;
  }

  /** The real reason, wrapped so that callers can tell a failed connect from a lost connection. */
  private static QmpConnectException connectFailed(QmpEndpoint endpoint, Throwable cause) {
    return new QmpConnectException(
        "cannot connect to " + endpoint + ": " + cause.getMessage(),
        cause,
        cause instanceof QmpTimeoutException || backlogFull(cause));
  }

  /**
   * A unix socket's connect() fails with EAGAIN when the listener's backlog is full: the process
   * behind it exists but does not accept (e.g. QEMU stopped with SIGSTOP, or its main loop stuck).
   * Found by the agent's KillRestartIT: after the first connection timed out waiting for a
   * greeting, every later attempt failed this way at once, and the monitor was never reported
   * unresponsive.
   */
  private static boolean backlogFull(Throwable cause) {
    if (cause instanceof Errors.NativeIoException e) {
      return e.expectedErr() == Errors.ERRNO_EAGAIN_NEGATIVE;
    }
    // connect() failures are Netty's package-private NativeConnectException, whose errno shows
    // only in its message: "connect(..) failed with error(-11): Resource temporarily unavailable".
    String message = cause.getMessage();
    return cause instanceof ConnectException
        && message != null
        && message.contains("error(" + Errors.ERRNO_EAGAIN_NEGATIVE + ")");
  }

  @Override
  public QmpSupervisor supervise(
      QmpEndpoint endpoint,
      QmpClientOptions options,
      Backoff backoff,
      QmpSupervisor.Listener listener) {
    return DefaultQmpSupervisor.start(this, endpoint, options, backoff, listener);
  }

  @Override
  public void close() {
    connections.forEach(DefaultQmpConnection::close);
    transport.group().shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    timers.shutdownNow();
    callbacks.shutdown();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
