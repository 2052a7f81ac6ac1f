package org.qmpsentinel.qmp;

/** QEMU answered the command with an {@code error} reply: {@code {"class": ..., "desc": ...}}. */
public final class QmpErrorException extends QmpException {
  private static final long serialVersionUID = 1L;
  private final String errorClass;
  private final String description;

  public QmpErrorException(String command, String errorClass, String description) {
    super(command + " failed: " + errorClass + ": " + description, null);
    this.errorClass = errorClass;
    this.description = description;
  }

  /** QEMU's error class, e.g. {@code GenericError}, {@code CommandNotFound}. */
  public String errorClass() {
    return errorClass;
  }

  public String description() {
    return description;
  }
}
