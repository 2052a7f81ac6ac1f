package org.qmpsentinel.qmp.internal.protocol;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Commands awaiting replies, by id, and their timeouts. Confined to the event loop.
 *
 * <p>Timeouts are one sweep task per connection, not one timer per command: a per-command Netty
 * timer costs a scheduled-task object plus an O(log n) insertion into and removal from the event
 * loop's priority queue for every command, although almost every command is answered long before
 * its deadline; a shared {@code HashedWheelTimer} would cost the same allocation, a cross-thread
 * queue hand-off on schedule and on cancel, a hop back to the event loop on expiry, and a thread
 * ticking forever. The sweep costs nothing per command: the deadline is a field, and the sweep is
 * scheduled only when a command's deadline is earlier than the one already scheduled (with one
 * default timeout: only when the first command is added to an empty table). It fires at the
 * earliest deadline, expires what is due, and re-arms at the next earliest deadline while commands
 * remain, at most once per {@link #GRANULARITY_NANOS} so a frozen peer with thousands of commands
 * outstanding costs a bounded number of O(n) scans, not one per command.
 */
final class PendingCommands {
  /**
   * Expiries closer together than this are coalesced into one sweep; timeouts may fire late by up
   * to this.
   */
  static final long GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final Map<String, PendingCommand> pending = new HashMap<>();
  private final Consumer<PendingCommand> onTimeout;
  private @Nullable EventExecutor executor;
  private @Nullable ScheduledFuture<?> sweep;
  private long sweepAt;
  private long highestId;

  /**
   * @param onTimeout called on the event loop with each command whose deadline passed, after it was
   *     removed
   */
  PendingCommands(Consumer<PendingCommand> onTimeout) {
    this.onTimeout = onTimeout;
  }

  /** The event loop whose clock the deadlines use and on which sweeps run. */
  void bind(EventExecutor executor) {
    this.executor = executor;
  }

  /** Event-loop time in nanos (the embedded loop's clock in tests). */
  long now() {
    return loop().ticker().nanoTime();
  }

  /**
   * Registers a command sent with the numeric id {@code seq} (its text form is {@code command.id}).
   * Ids are the connection's increasing sequence numbers, which is what lets {@link #wasIssued}
   * recognise replies to forgotten commands without remembering them.
   */
  void add(long seq, PendingCommand command) {
    pending.put(command.id, command);
    highestId = Math.max(highestId, seq);
    armSweep(command.deadline);
  }

  /**
   * True when {@code id} is one this connection sent (a decimal no greater than the highest id
   * sent) — so a reply to it that finds no pending command belongs to a command we gave up on
   * (timed out or cancelled), or is a duplicate reply; anything else is an id we never used.
   */
  boolean wasIssued(String id) {
    int length = id.length();
    if (length == 0 || length > 18) {
      return false;
    }
    long value = 0;
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      value = value * 10 + (c - '0');
    }
    return value > 0 && value <= highestId;
  }

  int size() {
    return pending.size();
  }

  /**
   * Removes and returns the command for a reply, cancellation or send failure; {@code null} if
   * none.
   */
  @Nullable PendingCommand take(String id) {
    // The sweep is left armed when the table empties: one idle wake-up per timeout period is
    // cheaper than cancelling (a priority-queue removal) after every reply.
    return pending.remove(id);
  }

  /** Removes every pending command, for failing them all at once. */
  List<PendingCommand> drain() {
    List<PendingCommand> all = new ArrayList<>(pending.values());
    pending.clear();
    if (sweep != null) {
      sweep.cancel(false);
      sweep = null;
    }
    return all;
  }

  private void armSweep(long deadline) {
    if (sweep != null && deadline - sweepAt >= 0) {
      return; // the armed sweep comes first; it will re-arm for this deadline
    }
    if (sweep != null) {
      sweep.cancel(false);
    }
    EventExecutor loop = loop();
    sweepAt = deadline;
    sweep = loop.schedule(this::sweep, Math.max(0, deadline - now()), TimeUnit.NANOSECONDS);
  }

  private void sweep() {
    sweep = null;
    long now = now();
    long next = 0;
    boolean remaining = false;
    List<PendingCommand> expired = null;
    for (Iterator<PendingCommand> it = pending.values().iterator(); it.hasNext(); ) {
      PendingCommand command = it.next();
      if (command.deadline - now <= 0) {
        it.remove();
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(command);
      } else if (!remaining || command.deadline - next < 0) {
        next = command.deadline;
        remaining = true;
      }
    }
    if (remaining) {
      long earliest = now + GRANULARITY_NANOS;
      armSweep(next - earliest < 0 ? earliest : next);
    }
    if (expired != null) {
      expired.forEach(onTimeout);
    }
  }

  private EventExecutor loop() {
    EventExecutor loop = executor;
    if (loop == null) {
      throw new IllegalStateException("not bound to an event loop");
    }
    return loop;
  }
}
