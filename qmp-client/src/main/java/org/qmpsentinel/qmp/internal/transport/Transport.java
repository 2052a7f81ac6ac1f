package org.qmpsentinel.qmp.internal.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Optional;
import org.qmpsentinel.qmp.PeerCredentials;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * Chooses epoll where the native library loads (Linux; needed for SO_PEERCRED, which tells us
 * QEMU's pid) and NIO elsewhere. One monitor needs very little I/O, so a couple of event-loop
 * threads serve thousands of connections.
 */
public final class Transport {
  private final boolean epoll;
  private final EventLoopGroup group;

  private Transport(boolean epoll, int threads) {
    this.epoll = epoll;
    DefaultThreadFactory threadFactory = new DefaultThreadFactory("qmp-io", true);
    this.group =
        new MultiThreadIoEventLoopGroup(
            threads,
            threadFactory,
            epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public static Transport create() {
    return new Transport(
        Epoll.isAvailable(), Math.min(2, Runtime.getRuntime().availableProcessors()));
  }

  public EventLoopGroup group() {
    return group;
  }

  public boolean isEpoll() {
    return epoll;
  }

  public Class<? extends Channel> channelClass(QmpEndpoint endpoint) {
    if (endpoint instanceof QmpEndpoint.Unix) {
      return epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
    }
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public SocketAddress address(QmpEndpoint endpoint) {
    if (endpoint instanceof QmpEndpoint.Unix unix) {
      return epoll
          ? new DomainSocketAddress(unix.path().toString())
          : UnixDomainSocketAddress.of(unix.path());
    }
    QmpEndpoint.Tcp tcp = (QmpEndpoint.Tcp) endpoint;
    return InetSocketAddress.createUnresolved(tcp.host(), tcp.port());
  }

  /** SO_PEERCRED of a connected unix socket; empty for TCP or without epoll. */
  public static Optional<PeerCredentials> peerCredentials(Channel channel) {
    if (channel instanceof EpollDomainSocketChannel domain) {
      try {
        io.netty.channel.unix.PeerCredentials c = domain.peerCredentials();
        int gid = c.gids().length > 0 ? c.gids()[0] : -1;
        return Optional.of(new PeerCredentials(c.pid(), c.uid(), gid));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
