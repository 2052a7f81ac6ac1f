package org.qmpsentinel.agent.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Test double of systemd's side of sd_notify: a real unix datagram socket bound where {@code
 * $NOTIFY_SOCKET} points, collecting every message in arrival order (datagrams on one unix socket
 * are never reordered).
 */
final class FakeSystemdNotifySocket implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
  private final Channel channel;

  /**
   * @param path a file path, or {@code @name} for the abstract namespace as systemd writes it
   */
  FakeSystemdNotifySocket(String path) {
    String bind = path.startsWith("@") ? "\0" + path.substring(1) : path;
    channel =
        new Bootstrap()
            .group(group)
            .channel(EpollDomainDatagramChannel.class)
            .handler(
                new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                    received.add(p.content().toString(StandardCharsets.UTF_8));
                  }
                })
            .bind(new DomainSocketAddress(bind))
            .syncUninterruptibly()
            .channel();
  }

  /** The next message, waiting at most {@code timeout}. */
  String next(Duration timeout) throws InterruptedException {
    String m = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (m == null) {
      throw new AssertionError("no sd_notify message within " + timeout);
    }
    return m;
  }

  /** Every message up to and including {@code marker}, which must arrive within {@code timeout}. */
  List<String> until(String marker, Duration timeout) throws InterruptedException {
    List<String> before = new ArrayList<>();
    for (String m = next(timeout); !m.equals(marker); m = next(timeout)) {
      before.add(m);
    }
    return before;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
