package org.qmpsentinel.agent;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.springframework.context.SmartLifecycle;

/**
 * Runs discovery on its own thread once everything else is up (so the first VMs found already have
 * metrics and alerting listening), and stops it first at shutdown. After the first pass it runs
 * {@code afterFirstPass} once (systemd's {@code READY=1}).
 */
final class DiscoveryLifecycle implements SmartLifecycle {
  private final DiscoveryService discovery;
  private final Duration interval;
  private final Runnable afterFirstPass;
  private @Nullable ScheduledExecutorService thread;

  DiscoveryLifecycle(DiscoveryService discovery, Duration interval, Runnable afterFirstPass) {
    this.discovery = discovery;
    this.interval = interval;
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
  }

  @Override
  public synchronized void stop() {
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
