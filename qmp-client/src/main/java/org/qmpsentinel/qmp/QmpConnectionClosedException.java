package org.qmpsentinel.qmp;

import org.jspecify.annotations.Nullable;

/**
 * The connection is gone (peer closed it, it was closed locally, or a protocol violation closed
 * it); every pending command fails with this at once.
 */
public final class QmpConnectionClosedException extends QmpException {
  private static final long serialVersionUID = 1L;

  public QmpConnectionClosedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
