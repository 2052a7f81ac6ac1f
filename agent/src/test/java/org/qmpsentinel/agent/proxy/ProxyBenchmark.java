package org.qmpsentinel.agent.proxy;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.qmpsentinel.agent.config.SentinelProperties.ProxyMode;
import org.qmpsentinel.qmp.TestQemu;

/**
 * What the proxy costs: {@code query-status} from a minimal blocking Java client, to QEMU's own
 * second QMP socket ("direct") and to the proxy socket of the same QEMU, in the same run,
 * alternating. Sequential round trips give the added latency (p50, p99); pipelined windows give
 * throughput. The proxy runs as the agent wires it (pipeline, policy, metrics). Nothing is
 * asserted; it prints a table.
 *
 * <p>Run: {@code ./mvnw -B -pl agent -am -Pbench -Dbench.client.skip=true verify} (see
 * docs/performance.md).
 */
public final class ProxyBenchmark {
  private static final int N = Integer.getInteger("bench.commands", 20_000);
  private static final int REPEATS = 3;
  private static final String QUERY = "{\"execute\":\"query-status\",\"id\":\"b\"}\n";

  private ProxyBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("proxy-bench");
    Path socket = dir.resolve("agent.qmp");
    Path direct = dir.resolve("direct.qmp");
    Process qemu =
        TestQemu.start(
            TestQemu.kvmUsable() ? "kvm" : "tcg",
            socket,
            dir.resolve("qemu.log"),
            "-name",
            "bench",
            "-S",
            "-qmp",
            "unix:" + direct + ",server=on,wait=off");
    try (ProxyAgent agent =
        new ProxyAgent(
            ProxyAgent.settings(
                dir.resolve("proxy"), ProxyMode.DENY, Duration.ofSeconds(30), List.of()),
            Duration.ofSeconds(60),
            false)) {
      agent.watch("bench", socket);
      Path proxy = dir.resolve("proxy").resolve("bench.qmp");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Files.exists(proxy)
                      && Files.exists(direct)
                      && agent.proxy.proxies().stream().anyMatch(ProxyInfo::upstreamConnected));
      sequential(direct, N / 2); // JIT warm-up, both paths
      sequential(proxy, N / 2);
      List<String> rows = new ArrayList<>();
      rows.add(
          String.format(
              Locale.ROOT,
              "%-34s %10s %10s %10s %12s",
              "path",
              "p50 us",
              "p99 us",
              "p99.9 us",
              "commands/s"));
      double[][] p99 = new double[2][REPEATS];
      for (int r = 0; r < REPEATS; r++) {
        for (int side = 0; side < 2; side++) {
          Path target = side == 0 ? direct : proxy;
          double[] lat = sequential(target, N);
          p99[side][r] = percentile(lat, 99);
          rows.add(
              String.format(
                  Locale.ROOT,
                  "%-34s %10.1f %10.1f %10.1f %12.0f",
                  (side == 0 ? "direct" : "proxy") + ", sequential, run " + (r + 1),
                  percentile(lat, 50),
                  percentile(lat, 99),
                  percentile(lat, 99.9),
                  N / (Arrays.stream(lat).sum() / 1e6)));
        }
      }
      double[][] throughput = new double[2][REPEATS];
      for (int window : new int[] {16, 64}) {
        for (int r = 0; r < REPEATS; r++) {
          for (int side = 0; side < 2; side++) {
            double rate = pipelined(side == 0 ? direct : proxy, N, window);
            if (window == 16) {
              throughput[side][r] = rate;
            }
            rows.add(
                String.format(
                    Locale.ROOT,
                    "%-34s %10s %10s %10s %12.0f",
                    (side == 0 ? "direct" : "proxy") + ", window " + window + ", run " + (r + 1),
                    "",
                    "",
                    "",
                    rate));
          }
        }
      }
      rows.forEach(System.out::println);
      double added = median(p99[1]) - median(p99[0]);
      double share = median(throughput[1]) / median(throughput[0]);
      System.out.printf(
          Locale.ROOT,
          "proxy: added p99 latency %.1f us (median of %d runs; goal <= 50 us: %s);"
              + " pipelined throughput (window 16) %.0f%% of direct (goal >= 90%%: %s)%n",
          added,
          REPEATS,
          added <= 50 ? "met" : "NOT met",
          share * 100,
          share >= 0.9 ? "met" : "NOT met");
    } finally {
      qemu.destroyForcibly();
      qemu.waitFor();
    }
  }

  /** Round-trip latencies in microseconds, one command in flight. */
  private static double[] sequential(Path socket, int n) throws IOException {
    try (Session s = new Session(socket)) {
      byte[] query = QUERY.getBytes(StandardCharsets.UTF_8);
      double[] lat = new double[n];
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        s.out.write(query);
        s.out.flush();
        s.in.readLine();
        lat[i] = (System.nanoTime() - t0) / 1000.0;
      }
      return lat;
    }
  }

  /** Commands per second with {@code window} commands written before their replies are read. */
  private static double pipelined(Path socket, int n, int window) throws IOException {
    try (Session s = new Session(socket)) {
      byte[] batch = QUERY.repeat(window).getBytes(StandardCharsets.UTF_8);
      int rounds = n / window;
      long t0 = System.nanoTime();
      for (int r = 0; r < rounds; r++) {
        s.out.write(batch);
        s.out.flush();
        for (int i = 0; i < window; i++) {
          s.in.readLine();
        }
      }
      return rounds * window / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** A negotiated blocking session: one JSON object per line each way. */
  private static final class Session implements AutoCloseable {
    final SocketChannel channel;
    final BufferedReader in;
    final OutputStream out;

    Session(Path socket) throws IOException {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      out = Channels.newOutputStream(channel);
      in.readLine(); // greeting
      out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
      in.readLine();
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double median(double[] values) {
    return percentile(values, 50);
  }
}
