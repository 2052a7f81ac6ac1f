package org.qmpsentinel.qmp;

import java.time.Duration;

/** No reply arrived within the command's timeout. The connection stays open. */
public final class QmpTimeoutException extends QmpException {
  private static final long serialVersionUID = 1L;

  public QmpTimeoutException(String command, Duration timeout) {
    super(command + " timed out after " + timeout.toMillis() + " ms", null);
  }
}
