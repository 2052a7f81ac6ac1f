package org.qmpsentinel.qmp;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Tunables of a connection. {@link #defaults()} is what most callers want; the {@code with...}
 * methods return modified copies.
 *
 * @param connectTimeout connect plus greeting plus capabilities negotiation
 * @param commandTimeout default per-command timeout ({@link QmpConnection#execute(QmpCommand,
 *     Duration)} overrides it)
 * @param maxMessageBytes a message larger than this closes the connection (default 8 MiB)
 * @param maxNestingDepth JSON nesting deeper than this closes the connection
 * @param maxTokensPerMessage a message with more JSON values and member names than this closes the
 *     connection (default {@value #DEFAULT_MAX_TOKENS_PER_MESSAGE}). The byte limit alone does not
 *     bound memory: 8 MiB of {@code [{},{},...]} is 2.8 million empty objects, and at a measured
 *     worst case of about 90 bytes of heap per token (an empty object in an array, or a distinct
 *     member name holding one; 64-bit JVM, compressed oops) that is some 230 MB — an out-of-memory
 *     error in a 256 MiB heap. At the default limit a message in progress holds at most about
 *     100,000 × 90 B ≈ 9 MB per connection (3.5 % of 256 MiB), plus string contents, which the byte
 *     limit bounds. Real replies are far below it: QEMU 7.2's {@code query-qmp-schema} is about
 *     26,000 tokens, unfiltered vCPU {@code query-stats} about 330 per vCPU (so raise the limit
 *     above some 300 vCPUs, or use the filtered form)
 * @param eventBufferCapacity per-subscription buffer of events not yet delivered
 * @param eventOverflowPolicy what a full subscription buffer does
 * @param requestOob enable {@code oob} when the server offers it
 * @param callbackExecutor where command futures, the close future, the connect future and
 *     subscriptions without an explicit executor complete; {@code null} (the default) for the
 *     client's shared callback pool. See {@link #withCallbackExecutor(Executor)}.
 */
public record QmpClientOptions(
    Duration connectTimeout,
    Duration commandTimeout,
    int maxMessageBytes,
    int maxNestingDepth,
    int maxTokensPerMessage,
    int eventBufferCapacity,
    EventOverflowPolicy eventOverflowPolicy,
    boolean requestOob,
    @Nullable Executor callbackExecutor) {

  /** The default of {@link #maxMessageBytes()}: 8 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

  /** The default of {@link #maxTokensPerMessage()}. */
  public static final int DEFAULT_MAX_TOKENS_PER_MESSAGE = 100_000;

  /** Validates every value; throws {@link IllegalArgumentException} naming the bad one. */
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
    if (maxTokensPerMessage < 16) {
      throw new IllegalArgumentException(
          "maxTokensPerMessage must be >= 16: " + maxTokensPerMessage);
    }
    if (eventBufferCapacity < 1) {
      throw new IllegalArgumentException(
          "eventBufferCapacity must be >= 1: " + eventBufferCapacity);
    }
  }

  /**
   * 5 s connect and command timeouts; messages of at most 8 MiB, depth 64 and 100,000 tokens; 1,024
   * buffered events per subscription, oldest dropped; no OOB; the client's callback pool.
   */
  public static QmpClientOptions defaults() {
    return new QmpClientOptions(
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        DEFAULT_MAX_MESSAGE_BYTES,
        64,
        DEFAULT_MAX_TOKENS_PER_MESSAGE,
        1024,
        EventOverflowPolicy.DROP_OLDEST,
        false,
        null);
  }

  /** A copy with another default command timeout. */
  public QmpClientOptions withCommandTimeout(Duration d) {
    Copy c = new Copy(this);
    c.commandTimeout = d;
    return c.build();
  }

  /** A copy with another connect (plus greeting and negotiation) timeout. */
  public QmpClientOptions withConnectTimeout(Duration d) {
    Copy c = new Copy(this);
    c.connectTimeout = d;
    return c.build();
  }

  /** A copy with another per-message byte limit. */
  public QmpClientOptions withMaxMessageBytes(int n) {
    Copy c = new Copy(this);
    c.maxMessageBytes = n;
    return c.build();
  }

  /** A copy with another per-message token limit (see {@link #maxTokensPerMessage()}). */
  public QmpClientOptions withMaxTokensPerMessage(int n) {
    Copy c = new Copy(this);
    c.maxTokensPerMessage = n;
    return c.build();
  }

  /** A copy with another per-subscription buffer and overflow policy. */
  public QmpClientOptions withEventBuffer(int capacity, EventOverflowPolicy policy) {
    Copy c = new Copy(this);
    c.eventBufferCapacity = capacity;
    c.eventOverflowPolicy = policy;
    return c.build();
  }

  /** A copy that does or does not ask for out-of-band execution when offered. */
  public QmpClientOptions withRequestOob(boolean oob) {
    Copy c = new Copy(this);
    c.requestOob = oob;
    return c.build();
  }

  /**
   * A copy whose connections complete their callbacks on {@code executor}: each typed command
   * future is decoded and completed by one task submitted to it straight from the event loop, and
   * the close future, the connect future and {@link
   * QmpConnection#subscribe(java.util.function.Predicate, QmpEventListener) subscriptions without
   * an explicit executor} run there too. Pass a serial executor (e.g. one per VM) to receive every
   * reply of a connection on that executor's thread without a further hand-off, or {@code
   * Runnable::run} to complete on the event loop itself.
   *
   * <p><b>Callers must never block in such callbacks.</b> With a direct executor they run on a
   * Netty event loop shared by many connections: blocking there stalls all of them, and waiting for
   * another reply there deadlocks (the reply needs that very thread). With a serial executor,
   * waiting inside a callback for another command of a connection using the same executor deadlocks
   * for the same reason. If the executor rejects a task (e.g. it was shut down), the task runs on
   * the client's shared pool instead, so that no future is left incomplete. {@code null} restores
   * the default: the client's shared callback pool, where blocking is allowed.
   */
  public QmpClientOptions withCallbackExecutor(@Nullable Executor executor) {
    Copy c = new Copy(this);
    c.callbackExecutor = executor;
    return c.build();
  }

  private static void requirePositive(Duration d, String name) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  /** Mutable copy for the withers, so that adding an option does not touch every one of them. */
  private static final class Copy {
    Duration connectTimeout;
    Duration commandTimeout;
    int maxMessageBytes;
    int maxNestingDepth;
    int maxTokensPerMessage;
    int eventBufferCapacity;
    EventOverflowPolicy eventOverflowPolicy;
    boolean requestOob;
    @Nullable Executor callbackExecutor;

    Copy(QmpClientOptions o) {
      connectTimeout = o.connectTimeout;
      commandTimeout = o.commandTimeout;
      maxMessageBytes = o.maxMessageBytes;
      maxNestingDepth = o.maxNestingDepth;
      maxTokensPerMessage = o.maxTokensPerMessage;
      eventBufferCapacity = o.eventBufferCapacity;
      eventOverflowPolicy = o.eventOverflowPolicy;
      requestOob = o.requestOob;
      callbackExecutor = o.callbackExecutor;
    }

    QmpClientOptions build() {
      return new QmpClientOptions(
          connectTimeout,
          commandTimeout,
          maxMessageBytes,
          maxNestingDepth,
          maxTokensPerMessage,
          eventBufferCapacity,
          eventOverflowPolicy,
          requestOob,
          callbackExecutor);
    }
  }
}
