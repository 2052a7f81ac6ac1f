package org.qmpsentinel.qmp;

import org.jspecify.annotations.Nullable;

/**
 * The peer broke the protocol: invalid JSON or UTF-8, a message over a size, token or nesting
 * limit, a reply without an id, something other than the greeting first. The connection is closed
 * when this is raised. (A reply to an unknown id is not a violation: it is dropped and counted in
 * {@link QmpConnectionStats#unknownReplies()}, as the QMP specification asks.)
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
