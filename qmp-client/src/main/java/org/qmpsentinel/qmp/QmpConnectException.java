package org.qmpsentinel.qmp;

/**
 * A connection could not be established: the socket could not be connected (refused, no such socket
 * file, connect timeout), or the peer did not greet or negotiate capabilities in time or correctly.
 * {@link #getCause()} is the underlying reason — e.g. a {@link QmpTimeoutException} for a peer that
 * never greeted, a {@link QmpProtocolException} for one that sent something else, a {@link
 * QmpErrorException} for a refused {@code qmp_capabilities}, or the socket's {@link
 * java.io.IOException}. No command was sent on such a connection.
 */
public final class QmpConnectException extends QmpException {
  private static final long serialVersionUID = 1L;

  private final boolean peerUnresponsive;

  /**
   * @param message what was being connected to and why it failed
   * @param cause the underlying reason
   */
  public QmpConnectException(String message, Throwable cause) {
    this(message, cause, cause instanceof QmpTimeoutException);
  }

  /**
   * @param peerUnresponsive see {@link #peerUnresponsive()}
   */
  public QmpConnectException(String message, Throwable cause, boolean peerUnresponsive) {
    super(message, cause);
    this.peerUnresponsive = peerUnresponsive;
  }

  /**
   * Whether something listens at the endpoint but does not answer: it did not greet in time, or
   * (unix socket) its listen backlog is full because it stopped accepting — what a frozen QEMU
   * looks like from the second connection attempt on. Unlike a refused connection or a missing
   * socket file, this is evidence of a hung monitor, not of a stopped one.
   */
  public boolean peerUnresponsive() {
    return peerUnresponsive;
  }
}
