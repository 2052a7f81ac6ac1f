package org.qmpsentinel.agent.proxy;

import io.netty.channel.Channel;
import org.qmpsentinel.qmp.QmpWire;

/** Who a proxy client is, from its socket's {@code SO_PEERCRED}; -1 when unknown (no epoll). */
record ClientIdentity(int pid, int uid) {
  static ClientIdentity of(Channel channel) {
    return QmpWire.peerCredentials(channel)
        .map(c -> new ClientIdentity(c.pid(), c.uid()))
        .orElse(new ClientIdentity(-1, -1));
  }

  @Override
  public String toString() {
    return "pid=" + pid + " uid=" + uid;
  }
}
