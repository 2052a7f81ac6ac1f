package org.qmpsentinel.qmp;

import java.util.concurrent.CompletableFuture;

/**
 * Entry point: owns the Netty event loop group (epoll where available, NIO otherwise) shared by all
 * its connections. Create one per process and close it at shutdown.
 *
 * <pre>{@code
 * try (QmpClient client = QmpClient.create()) {
 *   QmpConnection qmp = client.connect(QmpEndpoint.unix(Path.of("/run/vm1.qmp"))).join();
 *   StatusInfo status = qmp.execute(QmpCommands.queryStatus()).join();
 * }
 * }</pre>
 */
public interface QmpClient extends AutoCloseable {

  /** A client with {@link QmpClientOptions#defaults()}. */
  static QmpClient create() {
    return create(QmpClientOptions.defaults());
  }

  /** A client whose {@link #connect(QmpEndpoint)} uses {@code defaults}. */
  static QmpClient create(QmpClientOptions defaults) {
    return new org.qmpsentinel.qmp.internal.DefaultQmpClient(defaults);
  }

  /** The options {@link #connect(QmpEndpoint)} uses. */
  QmpClientOptions defaultOptions();

  /**
   * Connects with {@link #defaultOptions()}; see {@link #connect(QmpEndpoint, QmpClientOptions)}.
   */
  default CompletableFuture<QmpConnection> connect(QmpEndpoint endpoint) {
    return connect(endpoint, defaultOptions());
  }

  /**
   * Connects, reads the greeting and negotiates capabilities with {@code options}. The future fails
   * with {@link QmpConnectException} (whose cause is the reason) when any of that fails.
   */
  CompletableFuture<QmpConnection> connect(QmpEndpoint endpoint, QmpClientOptions options);

  /**
   * Starts keeping {@code endpoint} connected: connects at once, and after every failure or loss
   * reconnects after {@code backoff}'s delay. The listener hears every state change (with the
   * reason of each loss or failed attempt) and every new connection, on a supervisor thread.
   *
   * @return the running supervisor; close it to stop reconnecting and close its connection
   */
  QmpSupervisor supervise(
      QmpEndpoint endpoint,
      QmpClientOptions options,
      Backoff backoff,
      QmpSupervisor.Listener listener);

  /** Closes every connection and shuts the event loop group down gracefully. */
  @Override
  void close();
}
