package org.qmpsentinel.qmp.internal.protocol;

import java.time.Duration;

/** A command sent and not yet answered; its handler hears the outcome on the event loop. */
final class PendingCommand {
  final String id;
  final String name;
  final ReplyHandler reply;
  final Duration timeout;

  /** Event-loop ticker time (nanos) after which the command times out. */
  final long deadline;

  /** The write completed: the command is in the socket, so QEMU may execute it. */
  boolean written;

  PendingCommand(String id, String name, ReplyHandler reply, Duration timeout, long deadline) {
    this.id = id;
    this.name = name;
    this.reply = reply;
    this.timeout = timeout;
    this.deadline = deadline;
  }
}
