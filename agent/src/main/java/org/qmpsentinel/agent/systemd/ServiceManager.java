package org.qmpsentinel.agent.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of systemd's service protocol, from the environment systemd gives a {@code
 * Type=notify} service: {@code NOTIFY_SOCKET}, and {@code WATCHDOG_USEC}/{@code WATCHDOG_PID} when
 * {@code WatchdogSec=} is set. Without {@code NOTIFY_SOCKET} (run by hand, in a container, with
 * {@code Type=exec}) every method does nothing.
 */
public final class ServiceManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServiceManager.class);

  private final @Nullable SdNotify notify;
  private final @Nullable PollProgressWatchdog watchdog;
  private final AtomicBoolean ready = new AtomicBoolean();

  private ServiceManager(@Nullable SdNotify notify, @Nullable PollProgressWatchdog watchdog) {
    this.notify = notify;
    this.watchdog = watchdog;
  }

  /**
   * @param env the process environment
   * @param pollScheduler whose progress the watchdog feeding depends on
   * @throws IllegalArgumentException when {@code WATCHDOG_USEC} is not a positive number
   */
  public static ServiceManager fromEnvironment(
      Map<String, String> env, ScheduledExecutorService pollScheduler) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return new ServiceManager(null, null);
    }
    Duration interval = watchdogInterval(env);
    SdNotify notify = SdNotify.open(socket);
    PollProgressWatchdog watchdog = null;
    if (interval != null) {
      watchdog = new PollProgressWatchdog(pollScheduler, notify::send, interval, System::nanoTime);
      watchdog.start();
    }
    log.info(
        "systemd notification socket {}; watchdog {}",
        socket,
        interval == null ? "off" : interval.toMillis() + " ms");
    return new ServiceManager(notify, watchdog);
  }

  private static @Nullable Duration watchdogInterval(Map<String, String> env) {
    String usec = env.get("WATCHDOG_USEC");
    if (usec == null || usec.isEmpty()) {
      return null;
    }
    String pid = env.get("WATCHDOG_PID");
    // systemd sets WATCHDOG_PID to the main process; a child that inherited it must not feed.
    if (pid != null
        && !pid.isEmpty()
        && !pid.equals(Long.toString(ProcessHandle.current().pid()))) {
      return null;
    }
    long micros;
    try {
      micros = Long.parseLong(usec);
    } catch (NumberFormatException e) {
      micros = -1;
    }
    if (micros <= 0) {
      throw new IllegalArgumentException(
          "WATCHDOG_USEC must be a positive number of microseconds, not \"" + usec + "\"");
    }
    return Duration.ofNanos(micros * 1000);
  }

  /** {@code READY=1}: the first discovery pass is done. Only the first call sends. */
  public void ready(String status) {
    if (notify != null && ready.compareAndSet(false, true)) {
      notify.send("READY=1\nSTATUS=" + status);
    }
  }

  @Override
  public void close() {
    if (watchdog != null) {
      watchdog.close();
    }
    if (notify != null) {
      notify.send("STOPPING=1");
      notify.close();
    }
  }
}
