package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.VcpuStats;

/**
 * What the register sampler costs, on a real QEMU guest (SeaBIOS idle after boot, -smp 4, KVM):
 * guest exits per second (KVM's {@code exits}, read on a second QMP socket at the start and end of
 * each window only) and this JVM's CPU time, per window, with the sampler off, at its default
 * interval, and at one sample a second. A benchmark: it prints its figures and asserts only that
 * the sampler ran. Not run by {@code verify} (no *Test/*IT name):
 *
 * <pre>
 * ./mvnw -B -pl agent -am verify -Dtest=SamplerCostBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     -DskipITs -Dqmpsentinel.bench.seconds=60
 * </pre>
 */
class SamplerCostBench {
  private static final int SECONDS = Integer.getInteger("qmpsentinel.bench.seconds", 60);

  @Test
  void printsTheSamplersCost() throws Exception {
    assumeTrue(QemuVm.kvmUsable(), "KVM exits need KVM");
    Path dir = Files.createTempDirectory("sampler-cost");
    Path measure = dir.resolve("measure.qmp");
    ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
    try (QmpClient client = QmpClient.create();
        QemuVm vm =
            QemuVm.start(
                "sampler-cost",
                4,
                dir,
                "kvm",
                List.of("-qmp", "unix:" + measure + ",server=on,wait=off"));
        QmpConnection meter = connect(client, measure)) {
      System.out.printf(
          "sampler cost: QEMU %s, -smp 4, KVM, SeaBIOS idle, %d s per window%n",
          meter.greeting().version(), SECONDS);
      System.out.printf(
          "%-22s %8s %10s %12s %14s %12s%n",
          "sampler", "samples", "exits/s", "halt_exits/s", "agent_cpu_ms/s", "per_sample");
      Window off = window(client, scheduler, vm, meter, RegisterSettings.off(), Duration.ZERO);
      print("off", off, off);
      Window defaults =
          window(
              client,
              scheduler,
              vm,
              meter,
              RegisterSettings.defaults(),
              DetectorSettings.defaults().syncMinInterval());
      print("default (10 s)", defaults, off);
      Window fast =
          window(
              client,
              scheduler,
              vm,
              meter,
              new RegisterSettings(true, Duration.ofSeconds(1), List.of()),
              Duration.ZERO);
      print("1 s, no rate limit", fast, off);
      Window fastest =
          window(
              client,
              scheduler,
              vm,
              meter,
              new RegisterSettings(true, Duration.ofMillis(100), List.of()),
              Duration.ZERO);
      print("100 ms, no rate limit", fastest, off);
      assertThat(fast.samples()).as("the sampler ran").isPositive();
    } finally {
      scheduler.shutdownNow();
    }
  }

  private record Window(long samples, double exitsPerSecond, double haltsPerSecond, double cpuMs) {}

  private static void print(String name, Window w, Window off) {
    double added = w.exitsPerSecond() - off.exitsPerSecond();
    double perSecond = w.samples() / (double) SECONDS;
    System.out.printf(
        "%-22s %8d %10.1f %12.1f %14.2f %s%n",
        name,
        w.samples(),
        w.exitsPerSecond(),
        w.haltsPerSecond(),
        w.cpuMs(),
        w.samples() == 0
            ? "-"
            : String.format(
                "%+.1f exits, %+.2f ms CPU",
                added / perSecond, (w.cpuMs() - off.cpuMs()) / perSecond));
  }

  /** One supervisor in STEADY (settle 0) with the given sampler, watched for {@code SECONDS}. */
  private static Window window(
      QmpClient client,
      ScheduledExecutorService scheduler,
      QemuVm vm,
      QmpConnection meter,
      RegisterSettings registers,
      Duration syncMinInterval)
      throws Exception {
    DetectorSettings d = DetectorSettings.defaults();
    SupervisorSettings settings =
        SupervisorSettings.defaults()
            .withDetector(
                new DetectorSettings(
                    Duration.ZERO,
                    syncMinInterval,
                    d.kickMinInterval(),
                    d.suspectAfter(),
                    d.confirmAfter(),
                    d.fixedQemu(),
                    d.monitorTimeoutsToSuspect(),
                    d.baselineGrace(),
                    d.firmwareStallAfter()))
            .withRegisters(registers);
    AtomicLong samples = new AtomicLong();
    try (VmSupervisor s =
        VmSupervisor.start(
            new DiscoveredVm(
                "bench",
                vm.name(),
                QmpEndpoint.unix(vm.socket()),
                Optional.empty(),
                OptionalLong.of(vm.pid())),
            settings,
            new SupervisorRuntime(client, scheduler, ProcThreads.system(), Ticker.system()),
            new SupervisorListener() {
              @Override
              public void onIntrusionDecision(
                  VmSnapshot v, String command, IntrusionDecision decision) {
                if (command.startsWith("info registers") && decision.allowed()) {
                  samples.incrementAndGet();
                }
              }
            })) {
      await().atMost(Duration.ofSeconds(30)).until(() -> s.snapshot().phase() == Phase.STEADY);
      Thread.sleep(3000); // the fast polls after connecting are over (STEADY cadence)
      long samplesBefore = samples.get();
      Map<String, Long> before = counters(meter);
      long cpuBefore = processCpuNanos();
      long start = System.nanoTime();
      Thread.sleep(Duration.ofSeconds(SECONDS).toMillis()); // the measured window
      double secs = (System.nanoTime() - start) / 1e9;
      Map<String, Long> after = counters(meter);
      long cpu = processCpuNanos() - cpuBefore;
      return new Window(
          samples.get() - samplesBefore,
          (after.get("exits") - before.get("exits")) / secs,
          (after.get("halt_exits") - before.get("halt_exits")) / secs,
          cpu / 1e6 / secs);
    }
  }

  /** The second monitor, once SeaBIOS has booted and settled (a loaded host is slow to answer). */
  private static QmpConnection connect(QmpClient client, Path socket) throws Exception {
    Thread.sleep(Duration.ofSeconds(10).toMillis());
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return client.connect(QmpEndpoint.unix(socket)).join();
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw last;
  }

  private static Map<String, Long> counters(QmpConnection meter) throws Exception {
    List<VcpuStats> stats =
        meter.execute(QmpCommands.queryVcpuStats(List.of("exits", "halt_exits"))).get();
    long exits = 0;
    long halts = 0;
    for (VcpuStats v : stats) {
      exits += v.counter("exits");
      halts += v.counter("halt_exits");
    }
    return Map.of("exits", exits, "halt_exits", halts);
  }

  private static long processCpuNanos() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
