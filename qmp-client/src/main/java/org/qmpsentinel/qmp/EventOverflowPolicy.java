package org.qmpsentinel.qmp;

/**
 * What a subscription does when its listener falls behind and its bounded buffer is full. Either
 * way the overflow is counted ({@link QmpSubscription#overflowCount()}), never silent.
 */
public enum EventOverflowPolicy {
  /** Discard the oldest buffered event to make room for the new one. */
  DROP_OLDEST,
  /** Discard the new event. */
  DROP_NEWEST,
  /** Cancel the subscription; the listener's {@code onOverflow} is called once. */
  CANCEL_SUBSCRIPTION
}
