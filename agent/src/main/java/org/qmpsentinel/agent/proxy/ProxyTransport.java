package org.qmpsentinel.agent.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's own event loops and unix-socket server channels: epoll where it loads (as qmp-client
 * does; it gives each client's pid and uid from {@code SO_PEERCRED} for the audit), NIO elsewhere.
 * Separate from qmp-client's loops, so that clients never share a thread with the agent's own QMP
 * traffic beyond the hop of each forwarded command.
 */
final class ProxyTransport implements AutoCloseable {
  private final boolean epoll = Epoll.isAvailable();
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(
          Math.min(2, Runtime.getRuntime().availableProcessors()),
          new DefaultThreadFactory("qmp-proxy", true),
          epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());

  /**
   * Binds a server socket at {@code path}; each accepted client gets {@code child}'s handlers and
   * runs on {@code clientLoop} (the VM's upstream connection's loop, when it lends one: a forwarded
   * command then crosses no thread) or else on the proxy's own loops.
   */
  ChannelFuture bind(Path path, ChannelHandler child, Optional<EventLoop> clientLoop) {
    Class<? extends ServerChannel> type =
        epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    SocketAddress address =
        epoll ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    EventLoopGroup children = clientLoop.<EventLoopGroup>map(l -> l).orElse(group);
    return new ServerBootstrap()
        .group(group, children)
        .channel(type)
        .childHandler(child)
        .bind(address);
  }

  EventLoopGroup group() {
    return group;
  }

  static void closeQuietly(Channel channel) {
    channel.close();
  }

  @Override
  public void close() {
    // A short quiet period: close notifications of the channels just closed still run.
    group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }
}
