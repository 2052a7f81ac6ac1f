package org.qmpsentinel.qmp;

import org.jspecify.annotations.Nullable;

/**
 * The peer broke the protocol: invalid JSON or UTF-8, a message over the size or nesting limit, a
 * reply to an unknown id, no greeting. The connection is closed when this is raised.
 */
public final class QmpProtocolException extends QmpException {
  private static final long serialVersionUID = 1L;

  public QmpProtocolException(String message) {
    super(message, null);
  }

  public QmpProtocolException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
