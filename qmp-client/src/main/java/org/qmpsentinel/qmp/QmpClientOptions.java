package org.qmpsentinel.qmp;

import java.time.Duration;
import java.util.Objects;

/**
 * Tunables of a connection. {@link #defaults()} is what most callers want.
 *
 * @param connectTimeout connect plus greeting plus capabilities negotiation
 * @param commandTimeout default per-command timeout ({@link QmpConnection#execute(QmpCommand,
 *     Duration)} overrides it)
 * @param maxMessageBytes a message larger than this closes the connection (default 8 MiB)
 * @param maxNestingDepth JSON nesting deeper than this closes the connection
 * @param eventBufferCapacity per-subscription buffer of events not yet delivered
 * @param eventOverflowPolicy what a full subscription buffer does
 * @param requestOob enable {@code oob} when the server offers it
 */
public record QmpClientOptions(
    Duration connectTimeout,
    Duration commandTimeout,
    int maxMessageBytes,
    int maxNestingDepth,
    int eventBufferCapacity,
    EventOverflowPolicy eventOverflowPolicy,
    boolean requestOob) {

  public static final int DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  public QmpClientOptions {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(eventOverflowPolicy, "eventOverflowPolicy");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(commandTimeout, "commandTimeout");
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1024: " + maxMessageBytes);
    }
    if (maxNestingDepth < 4) {
      throw new IllegalArgumentException("maxNestingDepth must be >= 4: " + maxNestingDepth);
    }
    if (eventBufferCapacity < 1) {
      throw new IllegalArgumentException(
          "eventBufferCapacity must be >= 1: " + eventBufferCapacity);
    }
  }

  public static QmpClientOptions defaults() {
    return new QmpClientOptions(
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        DEFAULT_MAX_MESSAGE_BYTES,
        64,
        1024,
        EventOverflowPolicy.DROP_OLDEST,
        false);
  }

  public QmpClientOptions withCommandTimeout(Duration d) {
    return new QmpClientOptions(
        connectTimeout,
        d,
        maxMessageBytes,
        maxNestingDepth,
        eventBufferCapacity,
        eventOverflowPolicy,
        requestOob);
  }

  public QmpClientOptions withConnectTimeout(Duration d) {
    return new QmpClientOptions(
        d,
        commandTimeout,
        maxMessageBytes,
        maxNestingDepth,
        eventBufferCapacity,
        eventOverflowPolicy,
        requestOob);
  }

  public QmpClientOptions withMaxMessageBytes(int n) {
    return new QmpClientOptions(
        connectTimeout,
        commandTimeout,
        n,
        maxNestingDepth,
        eventBufferCapacity,
        eventOverflowPolicy,
        requestOob);
  }

  public QmpClientOptions withEventBuffer(int capacity, EventOverflowPolicy policy) {
    return new QmpClientOptions(
        connectTimeout,
        commandTimeout,
        maxMessageBytes,
        maxNestingDepth,
        capacity,
        policy,
        requestOob);
  }

  public QmpClientOptions withRequestOob(boolean oob) {
    return new QmpClientOptions(
        connectTimeout,
        commandTimeout,
        maxMessageBytes,
        maxNestingDepth,
        eventBufferCapacity,
        eventOverflowPolicy,
        oob);
  }

  private static void requirePositive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
