package org.qmpsentinel.qmp;

import org.jspecify.annotations.Nullable;

/**
 * The connection is gone (peer closed it, it was closed locally, or a protocol violation closed
 * it); every pending command fails with this at once. For a command, {@link #commandSent()} tells
 * whether QEMU may have executed it.
 */
public final class QmpConnectionClosedException extends QmpException {
  private static final long serialVersionUID = 1L;
  private final boolean commandSent;

  /** A failure that concerns no command sent to the socket ({@link #commandSent()} is false). */
  public QmpConnectionClosedException(String message, @Nullable Throwable cause) {
    this(message, cause, false);
  }

  /**
   * @param commandSent whether the failed command had been written to the socket
   */
  public QmpConnectionClosedException(
      String message, @Nullable Throwable cause, boolean commandSent) {
    super(message, cause);
    this.commandSent = commandSent;
  }

  /**
   * {@code true}: the command had been written to the socket (or may have been) and its reply was
   * lost, so QEMU may or may not have executed it — re-sending a non-idempotent command is unsafe.
   * {@code false}: the command never left the client (the connection was already closed, or the
   * write failed), so it certainly was not executed and can be re-sent on a new connection.
   */
  public boolean commandSent() {
    return commandSent;
  }
}
