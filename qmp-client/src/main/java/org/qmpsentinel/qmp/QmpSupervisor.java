package org.qmpsentinel.qmp;

import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one endpoint connected: connects, and after every loss reconnects with {@link Backoff}
 * (exponential, jittered). Reports each state change, and each new connection so that the caller
 * can re-subscribe and re-query. Like lettuce's ConnectionWatchdog, but explicit.
 */
public interface QmpSupervisor extends AutoCloseable {

  /** Callbacks; invoked on a supervisor thread, never on the event loop. */
  interface Listener {
    void onStateChange(ConnectionState state, @Nullable Throwable cause);

    /** A fresh negotiated connection; the previous one (if any) is closed. */
    void onConnected(QmpConnection connection);
  }

  ConnectionState state();

  /** The current connection when {@link #state()} is CONNECTED. */
  Optional<QmpConnection> connection();

  /** Reconnect attempts made after the first successful connection. */
  long reconnects();

  @Override
  void close();

  /** Convenience listener from two lambdas. */
  static Listener listener(Consumer<ConnectionState> onState, Consumer<QmpConnection> onConnected) {
    return new Listener() {
      @Override
      public void onStateChange(ConnectionState state, @Nullable Throwable cause) {
        onState.accept(state);
      }

      @Override
      public void onConnected(QmpConnection connection) {
        onConnected.accept(connection);
      }
    };
  }
}
