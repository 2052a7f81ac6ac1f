package org.qmpsentinel.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtWatcher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs discovery on its own thread, and the libvirt watcher on its own, once everything else is up
 * (so the first VMs found already have metrics and alerting listening), and stops them first at
 * shutdown. After the first discovery pass it runs {@code afterFirstPass} once (systemd's {@code
 * READY=1}).
 */
final class DiscoveryLifecycle implements SmartLifecycle {
  private final DiscoveryService discovery;
  private final Duration interval;
  private final @Nullable LibvirtWatcher libvirt;
  private final Runnable afterFirstPass;
  private @Nullable ScheduledExecutorService thread;

  DiscoveryLifecycle(
      DiscoveryService discovery,
      Duration interval,
      @Nullable LibvirtWatcher libvirt,
      Runnable afterFirstPass) {
    this.discovery = discovery;
    this.interval = interval;
    this.libvirt = libvirt;
    this.afterFirstPass = afterFirstPass;
  }

  @Override
  public synchronized void start() {
    ScheduledExecutorService t =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread th = new Thread(r, "discovery");
              th.setDaemon(true);
              return th;
            });
    t.execute(
        () -> {
          try {
            discovery.scan();
          } finally {
            afterFirstPass.run();
          }
        });
    t.scheduleWithFixedDelay(
        discovery::scan, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    thread = t;
    if (libvirt != null) {
      libvirt.start(); // its own threads (see LibvirtWatcher)
    }
  }

  @Override
  public synchronized void stop() {
    if (libvirt != null) {
      libvirt.close();
    }
    if (thread != null) {
      thread.shutdownNow();
      thread = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return thread != null;
  }
}
