package org.qmpsentinel.qmp;

/** Base of every failure the client reports; futures complete exceptionally with a subclass. */
public abstract class QmpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
