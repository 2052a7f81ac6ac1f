package org.qmpsentinel.agent.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.Backoff;
import org.qmpsentinel.qmp.FakeQmpServer;
import org.qmpsentinel.qmp.QmpClient;

/**
 * "500 connect/disconnect cycles: no fd, thread or heap growth" (issue 11, what held up), through
 * the agent's own per-VM supervisor rather than the bare client: a FAKE monitor greets, negotiates
 * and hangs up, 500 times. The production backoff (200 ms doubling to 30 s) would stretch 500
 * cycles over hours, so this supervisor's backoff is 1-2 ms; everything else is the agent's code.
 * Descriptors and threads are counted in /proc/self, the heap is read through JMX after a GC.
 */
class ReconnectCyclesIT {
  private static final int CYCLES = 500;

  @Test
  void fiveHundredCyclesLeakNothing() throws Exception {
    SupervisorSettings settings =
        new SupervisorSettings(
            Duration.ofMillis(200),
            Duration.ofMillis(200),
            0.0,
            Duration.ofMillis(500),
            Duration.ofSeconds(30),
            false,
            new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), 1.0)
                .withHealthyAfter(Duration.ZERO),
            DetectorSettings.defaults(),
            org.qmpsentinel.agent.supervisor.RegisterSettings.defaults(),
            false);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (FakeQmpServer fake =
            new FakeQmpServer(
                FakeMonitors.tolerant(
                    peer -> {
                      peer.handshake();
                      peer.close();
                    }));
        QmpClient client = QmpClient.create();
        VmSupervisor vm =
            VmSupervisor.start(
                new DiscoveredVm(
                    "test",
                    "fake-flapping",
                    fake.endpoint(),
                    Optional.empty(),
                    OptionalLong.empty()),
                settings,
                new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
                SupervisorListener.NONE)) {
      // Warm up (event loop threads, pooled buffers, classes), then take the baseline.
      await().atMost(Duration.ofSeconds(30)).until(() -> fake.connectionsAccepted() >= 20);
      long fds = count("/proc/self/fd");
      long threads = count("/proc/self/task");
      long heap = heapAfterGc(memory);

      await("500 more cycles")
          .atMost(Duration.ofMinutes(3))
          .until(() -> fake.connectionsAccepted() >= 20 + CYCLES);
      long fdsAfter = count("/proc/self/fd");
      long threadsAfter = count("/proc/self/task");
      long heapAfter = heapAfterGc(memory);
      System.out.printf(
          "reconnect-cycles: cycles=%d fds=%d->%d threads=%d->%d heap_after_gc_kib=%d->%d%n",
          fake.connectionsAccepted() - 20,
          fds,
          fdsAfter,
          threads,
          threadsAfter,
          heap >> 10,
          heapAfter >> 10);
      assertThat(fdsAfter).as("open descriptors").isLessThanOrEqualTo(fds + 4);
      assertThat(threadsAfter).as("threads").isLessThanOrEqualTo(threads + 2);
      assertThat(heapAfter).as("heap after GC").isLessThan(heap + (8L << 20));
      assertThat(vm.snapshot().connected()).isFalse(); // never identified: it hangs up each time
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static long count(String dir) throws java.io.IOException {
    try (var s = Files.list(Path.of(dir))) {
      return s.count();
    }
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}
