package org.qmpsentinel.qmp.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.TestQemu;

/**
 * Throughput, latency, process CPU and allocations of {@code query-status} through the client,
 * against a real QEMU and an in-process fake, beside minimal blocking loops in Java and Python on
 * the same QEMU. Every variant runs three times; the table shows min / median / max of throughput
 * and CPU. Nothing is asserted.
 *
 * <p>Run: {@code ./mvnw -B -pl qmp-client -Pbench verify} (see docs/performance.md).
 */
public final class QueryStatusBenchmark {
  private static final int WINDOW = Integer.getInteger("bench.window", 64);
  // A multiple of the window, so that every variant sends the same number of commands.
  private static final int N = Integer.getInteger("bench.commands", 20_000) / WINDOW * WINDOW;
  private static final int REPEATS = 3;

  @FunctionalInterface
  private interface Run {
    Sample once() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("qmp-bench");
    Path socket = dir.resolve("bench.qmp");
    boolean kvm = TestQemu.kvmUsable();
    Process qemu = TestQemu.start(kvm ? "kvm" : "tcg", socket, dir.resolve("qemu.log"));
    List<String> rows = new ArrayList<>();
    QmpEndpoint unix = QmpEndpoint.unix(socket);
    QmpClientOptions pool = QmpClientOptions.defaults();
    QmpClientOptions direct = pool.withCallbackExecutor(Runnable::run);
    try (FakeStatusServer fake = new FakeStatusServer();
        QmpClient client = QmpClient.create()) {
      client(client, unix, pool, N / 2, WINDOW, null); // JIT warm-up
      for (int window : new int[] {1, WINDOW}) {
        String mode = window == 1 ? "sequential" : "window " + window;
        rows.add(
            measure("Python blocking socket, " + mode, () -> Baselines.python(socket, N, window)));
        rows.add(measure("Java blocking socket, " + mode, () -> Baselines.java(socket, N, window)));
        rows.add(measure("qmp-client, " + mode, () -> client(client, unix, pool, N, window, null)));
        rows.add(
            measure(
                "qmp-client, " + mode + ", completing on the event loop",
                () -> client(client, unix, direct, N, window, null)));
      }
      client(client, fake.endpoint(), pool, N / 2, WINDOW, fake.thread()); // warm-up
      for (int window : new int[] {1, WINDOW}) {
        rows.add(
            measure(
                "qmp-client vs in-process fake, "
                    + (window == 1 ? "sequential" : "window " + window),
                () -> client(client, fake.endpoint(), pool, N, window, fake.thread())));
      }
    } finally {
      qemu.destroyForcibly();
    }
    System.out.println();
    System.out.println(Sample.header());
    rows.forEach(System.out::println);
    System.out.printf(
        "%n%d commands per run, %d runs per row; QEMU %s, %d CPUs, load average %.1f, Java %s%n",
        N,
        REPEATS,
        kvm ? "KVM" : "TCG",
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.version"));
  }

  private static String measure(String name, Run run) throws Exception {
    List<Sample> repeats = new ArrayList<>();
    for (int i = 0; i < REPEATS; i++) {
      repeats.add(run.once());
    }
    String row = Sample.row(name, repeats);
    System.out.println(row); // progress, and the figures even if a later row fails
    return row;
  }

  /**
   * {@code n} commands, at most {@code window} in flight.
   *
   * @param notClient a thread in this process whose CPU is not the client's (the fake server)
   */
  private static Sample client(
      QmpClient client,
      QmpEndpoint endpoint,
      QmpClientOptions options,
      int n,
      int window,
      @Nullable Thread notClient)
      throws Exception {
    try (QmpConnection c = client.connect(endpoint, options).get(10, TimeUnit.SECONDS)) {
      double[] lat = new double[n];
      Semaphore inFlight = new Semaphore(window);
      List<CompletableFuture<?>> all = new ArrayList<>(n);
      long alloc0 = Meters.allocatedBytes();
      long other0 = notClient == null ? 0 : Meters.threadCpuNanos(notClient);
      long otherAlloc0 = notClient == null ? 0 : Meters.threadAllocatedBytes(notClient);
      long cpu0 = Meters.processCpuNanos();
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        inFlight.acquire();
        int idx = i;
        long start = System.nanoTime();
        all.add(
            c.execute(QmpCommands.queryStatus())
                .whenComplete(
                    (s, e) -> {
                      lat[idx] = (System.nanoTime() - start) / 1000.0;
                      inFlight.release();
                    }));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long other = notClient == null ? 0 : Meters.threadCpuNanos(notClient) - other0;
      double cpu = (Meters.processCpuNanos() - cpu0 - other) / 1000.0 / n;
      long otherAlloc =
          notClient == null ? 0 : Meters.threadAllocatedBytes(notClient) - otherAlloc0;
      double bytes = (Meters.allocatedBytes() - alloc0 - otherAlloc) / (double) n;
      return new Sample(
          n / seconds, cpu, Sample.percentile(lat, 0.5), Sample.percentile(lat, 0.99), bytes);
    }
  }
}
