package org.qmpsentinel.qmp.internal.events;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.EventOverflowPolicy;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpEventListener;
import org.qmpsentinel.qmp.QmpSubscription;

/** Fans a connection's events out to its subscriptions. */
public final class EventDispatcher {
  private final CopyOnWriteArrayList<BufferedSubscription> subscriptions =
      new CopyOnWriteArrayList<>();
  private final int capacity;
  private final EventOverflowPolicy policy;
  private final LongAdder dropped = new LongAdder();
  private volatile @Nullable Throwable closed;

  public EventDispatcher(int capacity, EventOverflowPolicy policy) {
    this.capacity = capacity;
    this.policy = policy;
  }

  public QmpSubscription subscribe(
      Predicate<QmpEvent> filter, QmpEventListener listener, Executor executor) {
    BufferedSubscription[] self = new BufferedSubscription[1];
    self[0] =
        new BufferedSubscription(
            filter,
            listener,
            executor,
            capacity,
            policy,
            () -> subscriptions.remove(self[0]),
            dropped);
    subscriptions.add(self[0]);
    Throwable cause = closed;
    if (cause != null) {
      self[0].closeWith(cause);
    }
    return self[0];
  }

  /** Called on the event loop for every event, in arrival order. */
  public void dispatch(QmpEvent event) {
    for (BufferedSubscription s : subscriptions) {
      s.offer(event);
    }
  }

  /** Events discarded or refused by full buffers, over every subscription ever made. */
  public long eventsDropped() {
    return dropped.sum();
  }

  public void close(Throwable cause) {
    closed = cause;
    for (BufferedSubscription s : subscriptions) {
      s.closeWith(cause);
    }
  }
}
