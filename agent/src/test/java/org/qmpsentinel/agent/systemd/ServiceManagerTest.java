package org.qmpsentinel.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd_notify against {@link FakeSystemdNotifySocket}, a real unix datagram socket standing in for
 * systemd: READY=1 and WATCHDOG=1 arrive, and WATCHDOG=1 stops while the poll scheduler is stuck.
 */
class ServiceManagerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final ScheduledExecutorService pollScheduler =
      Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    pollScheduler.shutdownNow();
  }

  @Test
  void readyIsSentOnceAndStoppingAtClose() throws Exception {
    Path socket = dir.resolve("notify");
    try (FakeSystemdNotifySocket systemd = new FakeSystemdNotifySocket(socket.toString())) {
      ServiceManager manager =
          ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.toString()), pollScheduler);
      manager.ready("first discovery pass done");
      manager.ready("again");
      manager.close();
      assertThat(systemd.next(WAIT)).isEqualTo("READY=1\nSTATUS=first discovery pass done");
      assertThat(systemd.next(WAIT)).isEqualTo("STOPPING=1");
    }
  }

  @Test
  void theAbstractNamespaceWorksAsSystemdSpellsIt() throws Exception {
    String socket = "@deb-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    try (FakeSystemdNotifySocket systemd = new FakeSystemdNotifySocket(socket);
        ServiceManager manager =
            ServiceManager.fromEnvironment(Map.of("NOTIFY_SOCKET", socket), pollScheduler)) {
      manager.ready("up");
      assertThat(systemd.next(WAIT)).isEqualTo("READY=1\nSTATUS=up");
    }
  }

  @Test
  void withoutNotifySocketNothingIsSentAndNothingFails() {
    try (ServiceManager manager = ServiceManager.fromEnvironment(Map.of(), pollScheduler)) {
      manager.ready("up");
    }
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aMalformedWatchdogIntervalFailsNamingTheVariable() {
    Map<String, String> env =
        Map.of("NOTIFY_SOCKET", dir.resolve("notify").toString(), "WATCHDOG_USEC", "30s");
    assertThatThrownBy(() -> ServiceManager.fromEnvironment(env, pollScheduler))
        .hasMessageContaining("WATCHDOG_USEC")
        .hasMessageContaining("30s");
  }

  @Test
  void aWatchdogMeantForAnotherProcessIsNotFed() throws Exception {
    Path socket = dir.resolve("notify");
    try (FakeSystemdNotifySocket systemd = new FakeSystemdNotifySocket(socket.toString());
        ServiceManager manager =
            ServiceManager.fromEnvironment(
                Map.of(
                    "NOTIFY_SOCKET", socket.toString(),
                    "WATCHDOG_USEC", "20000",
                    "WATCHDOG_PID", "1"),
                pollScheduler)) {
      manager.ready("up");
      // READY is the first message: nothing was fed before it, and a 20 ms watchdog would have.
      assertThat(systemd.next(WAIT)).isEqualTo("READY=1\nSTATUS=up");
    }
  }

  @Test
  void watchdogIsFedOnlyWhileThePollSchedulerMakesProgress() throws Exception {
    Path socket = dir.resolve("notify");
    try (FakeSystemdNotifySocket systemd = new FakeSystemdNotifySocket(socket.toString());
        SdNotify notify = SdNotify.open(socket.toString());
        PollProgressWatchdog watchdog =
            new PollProgressWatchdog(
                pollScheduler, notify::send, Duration.ofMillis(200), System::nanoTime)) {
      watchdog.start();
      assertThat(systemd.next(WAIT)).isEqualTo("WATCHDOG=1");

      // Stall the poll scheduler's only thread, as a blocking call or deadlock would.
      CountDownLatch release = new CountDownLatch(1);
      pollScheduler.execute(
          () -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      await().atMost(WAIT).until(() -> watchdog.withheld() >= 1);
      // Anything fed before the stall was noticed is behind this marker...
      notify.send("STATUS=marker-1");
      systemd.until("STATUS=marker-1", WAIT);
      long withheld = watchdog.withheld();
      await().atMost(WAIT).until(() -> watchdog.withheld() >= withheld + 3);
      notify.send("STATUS=marker-2");
      // ...and between the markers three feeder turns passed without a WATCHDOG=1.
      List<String> duringStall = systemd.until("STATUS=marker-2", WAIT);
      assertThat(duringStall).isEmpty();

      release.countDown();
      long fed = watchdog.fed();
      await().atMost(WAIT).until(() -> watchdog.fed() > fed);
      assertThat(systemd.next(WAIT)).isEqualTo("WATCHDOG=1");
    }
  }
}
