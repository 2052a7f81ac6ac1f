package org.qmpsentinel.agent.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One unix datagram socket, connected to the service manager's, that sends sd_notify(3) state
 * strings to the service manager's {@code $NOTIFY_SOCKET} (a path, or {@code @name} for the
 * abstract namespace). Sends are asynchronous; a failed send is logged, since systemd then restarts
 * or fails the service and the reason belongs in the journal.
 */
public final class SdNotify implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SdNotify.class);

  private final EventLoopGroup group;
  private final Channel channel;
  private final String target;

  private SdNotify(EventLoopGroup group, Channel channel, String target) {
    this.group = group;
    this.channel = channel;
    this.target = target;
  }

  /**
   * Opens the socket that sends to {@code notifySocket}, the value of {@code $NOTIFY_SOCKET}.
   *
   * @throws IllegalStateException where Netty's epoll transport cannot load (not Linux): a unit
   *     with {@code Type=notify} would then time out at start, so say so now
   */
  public static SdNotify open(String notifySocket) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException(
          "NOTIFY_SOCKET is set but Netty's epoll transport is unavailable, so sd_notify cannot"
              + " be sent: "
              + Epoll.unavailabilityCause());
    }
    // The abstract namespace: systemd writes a leading '@' for the leading NUL byte.
    String path = notifySocket.startsWith("@") ? "\0" + notifySocket.substring(1) : notifySocket;
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("sd-notify", true), EpollIoHandler.newFactory());
    ChannelFuture connected =
        new Bootstrap()
            .group(group)
            .channel(EpollDomainDatagramChannel.class)
            .handler(new ChannelInboundHandlerAdapter())
            // Connected (systemd keeps its notification socket across daemon-reexec): a missing
            // or unwritable socket fails the start here, naming it.
            .connect(new DomainSocketAddress(path))
            .awaitUninterruptibly();
    if (!connected.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException(
          "cannot connect to systemd's NOTIFY_SOCKET " + notifySocket, connected.cause());
    }
    return new SdNotify(group, connected.channel(), notifySocket);
  }

  /** Sends one message, e.g. {@code READY=1} or {@code WATCHDOG=1}; never blocks the caller. */
  public void send(String state) {
    channel
        .writeAndFlush(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.warn(
                    "sd_notify \"{}\" to {} failed: {}",
                    state.replace('\n', ' '),
                    target,
                    f.cause().toString());
              }
            });
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
