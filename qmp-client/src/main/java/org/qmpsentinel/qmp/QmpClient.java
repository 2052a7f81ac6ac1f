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

  static QmpClient create() {
    return create(QmpClientOptions.defaults());
  }

  static QmpClient create(QmpClientOptions defaults) {
    return new org.qmpsentinel.qmp.internal.DefaultQmpClient(defaults);
  }

  QmpClientOptions defaultOptions();

  /** Connects, reads the greeting and negotiates capabilities. */
  default CompletableFuture<QmpConnection> connect(QmpEndpoint endpoint) {
    return connect(endpoint, defaultOptions());
  }

  CompletableFuture<QmpConnection> connect(QmpEndpoint endpoint, QmpClientOptions options);

  /** Closes every connection and shuts the event loop group down gracefully. */
  @Override
  void close();
}
