package org.qmpsentinel.qmp;

import org.jspecify.annotations.Nullable;

/** Base of every failure the client reports; futures complete exceptionally with a subclass. */
public abstract class QmpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected QmpException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
