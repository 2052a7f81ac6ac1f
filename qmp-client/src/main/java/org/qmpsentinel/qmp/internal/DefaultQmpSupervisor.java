package org.qmpsentinel.qmp.internal;

import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
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
 * changes in order and never on an event loop or timer thread.
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
      failedAttempts = 0;
      setState(ConnectionState.CONNECTED, null);
      notifications.execute(() -> listener.onConnected(c));
    }
    c.closeFuture().thenAccept(this::backOff);
  }

  private void backOff(Throwable cause) {
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      connection = null;
      long delayNanos = delayNanos(failedAttempts++);
      setState(ConnectionState.BACKING_OFF, cause);
      retry = client.timers().schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Full jitter, floored at half the initial delay so a crash-looping QEMU never spins us. */
  private long delayNanos(int attempt) {
    double cap =
        backoff.initial().toNanos() * Math.pow(backoff.multiplier(), Math.min(attempt, 30));
    long capNanos = (long) Math.min(cap, backoff.max().toNanos());
    long floor = backoff.initial().toNanos() / 2;
    return floor + ThreadLocalRandom.current().nextLong(Math.max(1, capNanos - floor + 1));
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
