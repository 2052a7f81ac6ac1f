package org.qmpsentinel.qmp;

/**
 * Receives events of one subscription, in order, on the subscription's executor (never the event
 * loop).
 */
@FunctionalInterface
public interface QmpEventListener {
  void onEvent(QmpEvent event);

  /** Called when the connection closed; no events follow. */
  default void onClose(Throwable cause) {}
}
