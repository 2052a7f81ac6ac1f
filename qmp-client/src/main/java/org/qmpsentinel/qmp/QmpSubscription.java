package org.qmpsentinel.qmp;

/** A registered event listener. Cancelling is idempotent. */
public interface QmpSubscription extends AutoCloseable {
  /** Events this subscription discarded or refused because its buffer was full. */
  long overflowCount();

  void cancel();

  @Override
  default void close() {
    cancel();
  }
}
