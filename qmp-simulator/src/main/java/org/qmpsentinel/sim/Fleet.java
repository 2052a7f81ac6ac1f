package org.qmpsentinel.sim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * All simulated VMs, their listening sockets and the fleet-wide timers. The only timers are two,
 * for the whole fleet: the steady stream of guest reboots and the periodic fresh stuck boot. No VM
 * has a timer of its own, so an idle fleet of 10,000 costs nothing but its sockets.
 */
final class Fleet implements AutoCloseable {
  private static final long NANOS = 1_000_000_000L;

  private final SimOptions options;
  private final List<SimulatedVm> vms = new ArrayList<>();
  private final List<Channel> servers = new ArrayList<>();
  private final EventLoopGroup group;
  private final Lifecycle lifecycle;
  private int nextReboot; // touched only by the timer's event loop
  private int nextStuck;

  private Fleet(SimOptions options, PrintStream out, LongSupplier nanoClock) {
    this.options = options;
    Replies replies = new Replies(Captures.of(options.accel()));
    this.lifecycle = new Lifecycle(replies.events(), out, nanoClock);
    Commands commands = new Commands(replies, lifecycle, nanoClock);
    VcpuThreads threads = VcpuThreads.start(options.threads());
    long now = nanoClock.getAsLong();
    for (int index = options.from(); index <= options.last(); index++) {
      Behavior behavior = options.behaviorOf(index);
      boolean bootsNow = behavior == Behavior.STUCK || behavior == Behavior.BOOTING;
      // Long-running VMs were booted 10 minutes to 2 hours ago (deterministically per VM).
      long uptime = bootsNow ? 0 : (600 + index * 7919L % 6600) * NANOS;
      vms.add(
          new SimulatedVm(
              index,
              behavior,
              threads.forVm(index, options.vcpus()),
              CounterModel.forVm(index, options.apDelay().toNanos()),
              behavior == Behavior.STUCK ? BootKind.STUCK : BootKind.NORMAL,
              uptime,
              now));
    }
    this.group =
        new MultiThreadIoEventLoopGroup(
            options.ioThreads(),
            new DefaultThreadFactory("sim-io", true),
            EpollIoHandler.newFactory());
    bind(replies, commands);
  }

  /** Binds every VM's socket (replacing stale ones) and starts the fleet timers. */
  static Fleet start(SimOptions options, PrintStream out) {
    return start(options, out, System::nanoTime);
  }

  /** With a clock of its own for the counters (tests move time by hand). */
  static Fleet start(SimOptions options, PrintStream out, LongSupplier nanoClock) {
    Fleet fleet = new Fleet(options, out, nanoClock);
    long startMillis = System.currentTimeMillis();
    for (SimulatedVm vm : fleet.vms) {
      if (vm.behavior() == Behavior.STUCK) {
        fleet.lifecycle.announceStuck(vm, startMillis);
      }
    }
    fleet.startTimers();
    return fleet;
  }

  List<SimulatedVm> vms() {
    return vms;
  }

  Lifecycle lifecycle() {
    return lifecycle;
  }

  static Path socketOf(Path dir, int index) {
    return dir.resolve(String.format("vm-%05d.qmp", index));
  }

  private void bind(Replies replies, Commands commands) {
    Path dir = options.dir();
    try {
      Files.createDirectories(dir);
      // Only this process's range: another simulator (--from) may serve the same directory.
      for (SimulatedVm vm : vms) {
        Files.deleteIfExists(socketOf(dir, vm.index()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dir, e);
    }
    ServerBootstrap base =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerDomainSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 16);
    long slowDelay = options.slowDelay().toNanos();
    List<ChannelFuture> binds = new ArrayList<>();
    for (SimulatedVm vm : vms) {
      ChannelInitializer<Channel> init =
          new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline()
                  .addLast(new LineBasedFrameDecoder(1 << 20))
                  .addLast(new MonitorSession(vm, replies, commands, slowDelay));
            }
          };
      String path = socketOf(dir, vm.index()).toString();
      binds.add(base.clone().childHandler(init).bind(new DomainSocketAddress(path)));
    }
    for (ChannelFuture f : binds) {
      f.syncUninterruptibly();
      servers.add(f.channel());
    }
  }

  private void startTimers() {
    EventLoop timer = group.next();
    List<SimulatedVm> rebootable = vms.stream().filter(v -> v.behavior().rebootable()).toList();
    if (options.rebootsPerMinute() > 0 && !rebootable.isEmpty()) {
      long period = (long) (60 * NANOS / options.rebootsPerMinute());
      timer.scheduleAtFixedRate(
          () -> {
            SimulatedVm vm = rebootable.get(nextReboot++ % rebootable.size());
            lifecycle.reboot(vm, BootKind.NORMAL, true);
          },
          period,
          period,
          TimeUnit.NANOSECONDS);
    }
    List<SimulatedVm> stuck = vms.stream().filter(v -> v.behavior() == Behavior.STUCK).toList();
    long every = options.stuckRestartEvery().toNanos();
    if (every > 0 && !stuck.isEmpty()) {
      timer.scheduleAtFixedRate(
          () -> lifecycle.reboot(stuck.get(nextStuck++ % stuck.size()), BootKind.STUCK, true),
          every,
          every,
          TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    for (Channel server : servers) {
      server.close().syncUninterruptibly(); // epoll's domain server channel unlinks its file
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
