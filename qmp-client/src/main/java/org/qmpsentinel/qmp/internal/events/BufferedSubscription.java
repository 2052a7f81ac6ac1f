package org.qmpsentinel.qmp.internal.events;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.EventOverflowPolicy;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpEventListener;
import org.qmpsentinel.qmp.QmpSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription with its own bounded queue. The event loop only enqueues (O(1), never blocks); one
 * drain task at a time delivers events to the listener on the subscription's executor, so events
 * arrive in order even on a multi-threaded executor, and a slow listener only ever fills its own
 * queue. Overflow follows the policy and is counted.
 */
final class BufferedSubscription implements QmpSubscription {
  private static final Logger log = LoggerFactory.getLogger(BufferedSubscription.class);

  private final Predicate<QmpEvent> filter;
  private final QmpEventListener listener;
  private final Executor executor;
  private final int capacity;
  private final EventOverflowPolicy policy;
  private final Runnable onCancel;
  private final LongAdder droppedOnConnection;
  private final ArrayDeque<QmpEvent> queue = new ArrayDeque<>();
  private final AtomicLong overflows = new AtomicLong();
  private boolean draining;
  private boolean cancelled;
  private @Nullable Throwable closeCause;
  private boolean closeDelivered;

  BufferedSubscription(
      Predicate<QmpEvent> filter,
      QmpEventListener listener,
      Executor executor,
      int capacity,
      EventOverflowPolicy policy,
      Runnable onCancel,
      LongAdder droppedOnConnection) {
    this.filter = filter;
    this.listener = listener;
    this.executor = executor;
    this.capacity = capacity;
    this.policy = policy;
    this.onCancel = onCancel;
    this.droppedOnConnection = droppedOnConnection;
  }

  /** Called on the event loop. */
  void offer(QmpEvent event) {
    boolean matches;
    try {
      matches = filter.test(event);
    } catch (RuntimeException e) {
      log.warn(
          "event filter threw on {}; event not delivered to this subscription", event.name(), e);
      return;
    }
    if (!matches) {
      return;
    }
    boolean overflowCancel = false;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      if (queue.size() >= capacity) {
        overflows.incrementAndGet();
        droppedOnConnection.increment();
        switch (policy) {
          case DROP_OLDEST -> {
            queue.pollFirst();
            queue.addLast(event);
          }
          case DROP_NEWEST -> {}
          case CANCEL_SUBSCRIPTION -> overflowCancel = true;
        }
      } else {
        queue.addLast(event);
      }
    }
    if (overflowCancel) {
      closeWith(new IllegalStateException("event buffer overflow (" + capacity + " events)"));
      return;
    }
    scheduleDrain();
  }

  /** The connection closed: deliver what is queued, then onClose. */
  void closeWith(Throwable cause) {
    synchronized (this) {
      if (closeCause != null) {
        return;
      }
      closeCause = cause;
      cancelled = true;
    }
    onCancel.run();
    scheduleDrain();
  }

  private void scheduleDrain() {
    synchronized (this) {
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RuntimeException e) {
      synchronized (this) {
        draining = false;
      }
      log.warn("event executor rejected delivery", e);
    }
  }

  private void drain() {
    while (true) {
      QmpEvent next;
      Throwable close = null;
      synchronized (this) {
        next = queue.pollFirst();
        if (next == null) {
          if (closeCause != null && !closeDelivered) {
            closeDelivered = true;
            close = closeCause;
          } else {
            draining = false;
            return;
          }
        }
      }
      try {
        if (next != null) {
          listener.onEvent(next);
        } else {
          listener.onClose(java.util.Objects.requireNonNull(close, "close cause"));
        }
      } catch (RuntimeException e) {
        log.warn("event listener threw; continuing with the next event", e);
      }
    }
  }

  @Override
  public long overflowCount() {
    return overflows.get();
  }

  @Override
  public void cancel() {
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      queue.clear();
      closeDelivered = true;
    }
    onCancel.run();
  }
}
