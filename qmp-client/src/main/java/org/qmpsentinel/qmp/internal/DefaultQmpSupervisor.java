package org.qmpsentinel.qmp.internal;

import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.Backoff;
import org.qmpsentinel.qmp.ConnectionState;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.QmpSupervisor;

/**
 * The reconnect loop: CONNECTING → CONNECTED → (lost) → BACKING_OFF → CONNECTING ... until closed.
 * State lives behind one lock; listener calls go through a serial executor so the caller sees state
 * changes in order and never on an event loop or timer thread. The library logs nothing here: each
 * BACKING_OFF carries its reason (a {@link org.qmpsentinel.qmp.QmpConnectException} for a failed
 * attempt, the session's own reason — timeout, protocol violation, peer close — for a loss), and
 * the caller decides what is worth logging.
 */
public final class DefaultQmpSupervisor implements QmpSupervisor {
  private final DefaultQmpClient client;
  private final QmpEndpoint endpoint;
  private final QmpClientOptions options;
  private final Backoff backoff;
  private final Listener listener;
  private final SerialExecutor notifications;
  private final AtomicLong reconnects = new AtomicLong();

  private ConnectionState state = ConnectionState.CONNECTING;
  private @Nullable QmpConnection connection;
  private @Nullable ScheduledFuture<?> retry;
  private int failedAttempts;
  private long connectedAtNanos;
  private boolean everConnected;

  private DefaultQmpSupervisor(
      DefaultQmpClient client,
      QmpEndpoint endpoint,
      QmpClientOptions options,
      Backoff backoff,
      Listener listener) {
    this.client = client;
    this.endpoint = endpoint;
    this.options = options;
    this.backoff = backoff;
    this.listener = listener;
    this.notifications = new SerialExecutor(client.callbacks());
  }

  public static QmpSupervisor start(
      DefaultQmpClient client,
      QmpEndpoint endpoint,
      QmpClientOptions options,
      Backoff backoff,
      Listener listener) {
    DefaultQmpSupervisor supervisor =
        new DefaultQmpSupervisor(client, endpoint, options, backoff, listener);
    supervisor.attempt();
    return supervisor;
  }

  private void attempt() {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      if (everConnected) {
        reconnects.incrementAndGet();
      }
      setState(ConnectionState.CONNECTING, null);
    }
    client
        .connect(endpoint, options)
        .whenComplete(
            (c, error) -> {
              if (error != null) {
                backOff(error);
              } else {
                onConnected(c);
              }
            });
  }

  private void onConnected(QmpConnection c) {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        c.close();
        return;
      }
      connection = c;
      everConnected = true;
      // Not a reset of failedAttempts: that waits until this connection proves healthy.
      connectedAtNanos = System.nanoTime();
      setState(ConnectionState.CONNECTED, null);
      notifications.execute(() -> listener.onConnected(c));
    }
    c.closeFuture().thenAccept(this::lost);
  }

  /** The connection closed; {@code cause} is the reason the session recorded (never generic). */
  private void lost(Throwable cause) {
    synchronized (this) {
      if (System.nanoTime() - connectedAtNanos >= backoff.healthyAfter().toNanos()) {
        failedAttempts = 0; // it was up long enough: this loss starts a fresh series
      }
    }
    backOff(cause);
  }

  private void backOff(Throwable cause) {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      connection = null;
      long delayNanos = backoff.delay(failedAttempts).toNanos();
      failedAttempts = Math.min(failedAttempts + 1, 1_000); // the delay is capped long before
      setState(ConnectionState.BACKING_OFF, cause);
      retry = client.timers().schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void setState(ConnectionState next, @Nullable Throwable cause) {
    state = next;
    notifications.execute(() -> listener.onStateChange(next, cause));
  }

  @Override
  public synchronized ConnectionState state() {
    return state;
  }

  @Override
  public synchronized Optional<QmpConnection> connection() {
    return state == ConnectionState.CONNECTED ? Optional.ofNullable(connection) : Optional.empty();
  }

  @Override
  public long reconnects() {
    return reconnects.get();
  }

  @Override
  public void close() {
    QmpConnection current;
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      current = connection;
      connection = null;
      if (retry != null) {
        retry.cancel(false);
      }
      setState(ConnectionState.CLOSED, null);
    }
    if (current != null) {
      current.close();
    }
  }
}
