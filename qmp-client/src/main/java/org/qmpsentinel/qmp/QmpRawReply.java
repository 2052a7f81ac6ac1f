package org.qmpsentinel.qmp;

import tools.jackson.databind.node.ObjectNode;

/**
 * Hears the outcome of one {@link QmpConnection#forward forwarded} command, exactly once, on the
 * connection's event loop: implementations must be quick and must never block.
 */
public interface QmpRawReply {
  /**
   * QEMU's reply message as it arrived ({@code return} or {@code error}), without its {@code id}
   * member: the forwarder puts back its own client's id.
   */
  void onReply(ObjectNode reply);

  /**
   * No reply: the command timed out, could not be sent, or the connection closed first ({@link
   * QmpConnectionClosedException#commandSent()} tells whether QEMU may have run it).
   */
  void onFailure(QmpException error);
}
