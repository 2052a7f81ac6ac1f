package org.qmpsentinel.qmp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.TestQemu;

/**
 * Throughput, latency, CPU and allocations of {@code query-status} through the client, against a
 * real QEMU and an in-process fake, beside a minimal blocking-socket loop on the same QEMU. Figures
 * are printed as a Markdown table for docs/performance.md; nothing is asserted.
 *
 * <p>Run: {@code ./mvnw -B -pl qmp-client -Pbench verify} (see docs/performance.md).
 */
public final class QueryStatusBenchmark {
  private static final int N = Integer.getInteger("bench.commands", 20_000);
  private static final int WINDOW = Integer.getInteger("bench.window", 64);
  private static final String QUERY = "{\"execute\":\"query-status\",\"id\":\"b\"}\n";

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  record Result(
      String name,
      int commands,
      double seconds,
      double cpuMicrosPerCmd,
      double bytesPerCmd,
      double[] latMicros) {
    String row() {
      String p50 = latMicros == null ? "–" : String.format("%.0f", percentile(latMicros, 0.50));
      String p99 = latMicros == null ? "–" : String.format("%.0f", percentile(latMicros, 0.99));
      return String.format(
          "| %s | %d | %.0f | %s | %s | %.1f | %s |",
          name,
          commands,
          commands / seconds,
          p50,
          p99,
          cpuMicrosPerCmd,
          bytesPerCmd < 0 ? "–" : String.format("%.0f", bytesPerCmd));
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("qmp-bench");
    Path socket = dir.resolve("bench.qmp");
    boolean kvm = TestQemu.kvmUsable();
    Process qemu = TestQemu.start(kvm ? "kvm" : "tcg", socket, dir.resolve("qemu.log"));
    List<Result> results = new ArrayList<>();
    try (FakeServer fake = new FakeServer();
        QmpClient client = QmpClient.create()) {
      // Warm-up (JIT) on both peers, then measured runs.
      runClient(client, QmpEndpoint.unix(socket), "warm-up", N / 2, WINDOW);
      results.add(blocking(socket, "blocking socket loop, sequential (baseline)", N, 1));
      results.add(runClient(client, QmpEndpoint.unix(socket), "qmp-client, sequential", N, 1));
      results.add(
          blocking(socket, "blocking socket loop, window " + WINDOW + " (baseline)", N, WINDOW));
      results.add(
          runClient(
              client,
              QmpEndpoint.unix(socket),
              "qmp-client, pipelined window " + WINDOW,
              N,
              WINDOW));
      runClient(client, fake.endpoint(), "warm-up", N / 2, WINDOW);
      results.add(
          runClient(client, fake.endpoint(), "qmp-client vs in-process fake, sequential", N, 1));
      results.add(
          runClient(
              client,
              fake.endpoint(),
              "qmp-client vs in-process fake, window " + WINDOW,
              N,
              WINDOW));
    } finally {
      qemu.destroyForcibly();
    }
    System.out.println();
    System.out.println(
        "| run | commands | commands/s | p50 µs | p99 µs | client CPU µs/cmd (main, qmp-io, qmp-callback threads) | bytes allocated/cmd |");
    System.out.println("|---|---|---|---|---|---|---|");
    results.forEach(r -> System.out.println(r.row()));
    System.out.printf(
        "%nQEMU %s, %d CPUs, Java %s%n",
        kvm ? "KVM" : "TCG",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
  }

  private static Result runClient(
      QmpClient client, QmpEndpoint endpoint, String name, int n, int window) throws Exception {
    try (QmpConnection c = client.connect(endpoint).get(10, TimeUnit.SECONDS)) {
      double[] lat = new double[n];
      Semaphore inFlight = new Semaphore(window);
      List<CompletableFuture<?>> all = new ArrayList<>(n);
      long alloc0 = allocated();
      long cpu0 = clientCpuNanos();
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
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = (clientCpuNanos() - cpu0) / 1000.0 / n;
      double bytes = (allocated() - alloc0) / (double) n;
      return new Result(name, n, seconds, cpu, bytes, lat);
    }
  }

  /**
   * The baseline: JDK blocking socket, hand-written framing, no parsing beyond finding newlines.
   */
  private static Result blocking(Path socket, String name, int n, int window) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      OutputStream out = Channels.newOutputStream(ch);
      in.readLine(); // greeting
      out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
      in.readLine();
      byte[] batch = QUERY.repeat(window).getBytes(StandardCharsets.UTF_8);
      double[] lat = window == 1 ? new double[n] : null;
      long cpu0 = clientCpuNanos();
      long t0 = System.nanoTime();
      for (int done = 0; done < n; done += window) {
        long start = System.nanoTime();
        out.write(batch);
        for (int i = 0; i < window; i++) {
          in.readLine();
        }
        if (lat != null) {
          lat[done] = (System.nanoTime() - start) / 1000.0;
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      return new Result(name, n, seconds, (clientCpuNanos() - cpu0) / 1000.0 / n, -1, lat);
    }
  }

  /**
   * CPU of the threads doing the client's work: the caller (main), the event loops (qmp-io-*) and
   * the callback pool (qmp-callback-*). Excludes the fake server, GC and JIT threads.
   */
  private static long clientCpuNanos() {
    long total = 0;
    for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info != null
          && (info.getThreadName().equals("main") || info.getThreadName().startsWith("qmp-"))) {
        total += Math.max(0, THREADS.getThreadCpuTime(info.getThreadId()));
      }
    }
    return total;
  }

  private static long allocated() {
    long total = 0;
    for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  }

  /** Answers every command at once: the client's cost without QEMU's. */
  private static final class FakeServer implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Thread thread = new Thread(this::serve, "bench-fake");

    FakeServer() throws IOException {
      thread.setDaemon(true);
      thread.start();
    }

    QmpEndpoint endpoint() {
      return QmpEndpoint.tcp("127.0.0.1", server.getLocalPort());
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.setTcpNoDelay(true);
          BufferedReader in =
              new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
          OutputStream out = s.getOutputStream();
          out.write(
              "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\r\n"
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          String line;
          while ((line = in.readLine()) != null) {
            int i = line.indexOf("\"id\":");
            String id = line.substring(i + 5).replaceAll("[}\\s]", "");
            String reply =
                line.contains("query-status")
                    ? "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": "
                        + id
                        + "}\r\n"
                    : "{\"return\": {}, \"id\": " + id + "}\r\n";
            out.write(reply.getBytes(StandardCharsets.UTF_8));
            if (!in.ready()) {
              out.flush();
            }
          }
        } catch (IOException e) {
          // next connection
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
