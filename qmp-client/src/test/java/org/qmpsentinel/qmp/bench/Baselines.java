package org.qmpsentinel.qmp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The baselines the client is measured against: minimal blocking loops in Java and Python. */
final class Baselines {
  private static final String QUERY = "{\"execute\":\"query-status\",\"id\":\"b\"}\n";

  private Baselines() {}

  /** JDK blocking socket, hand-written framing, no parsing beyond finding newlines. */
  static Sample java(Path socket, int n, int window) throws IOException {
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
      double[] lat = new double[n / window];
      long alloc0 = Meters.allocatedBytes();
      long cpu0 = Meters.processCpuNanos();
      long t0 = System.nanoTime();
      for (int done = 0; done < n; done += window) {
        long start = System.nanoTime();
        out.write(batch);
        for (int i = 0; i < window; i++) {
          in.readLine();
        }
        lat[done / window] = (System.nanoTime() - start) / 1000.0;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double cpu = (Meters.processCpuNanos() - cpu0) / 1000.0 / n;
      double bytes = (Meters.allocatedBytes() - alloc0) / (double) n;
      boolean perCommand = window == 1; // with a window, the latency is a batch's
      return new Sample(
          n / seconds,
          cpu,
          perCommand ? Sample.percentile(lat, 0.5) : Double.NaN,
          perCommand ? Sample.percentile(lat, 0.99) : Double.NaN,
          bytes);
    }
  }

  /** {@code bench/qmp_bench.py} in a python3 subprocess; it reports its own process CPU. */
  static Sample python(Path socket, int n, int window)
      throws IOException, InterruptedException, URISyntaxException {
    Path script = Path.of(Baselines.class.getResource("/bench/qmp_bench.py").toURI());
    Process p =
        new ProcessBuilder(
                "python3",
                script.toString(),
                socket.toString(),
                "--commands",
                Integer.toString(n),
                "--window",
                Integer.toString(window))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IOException("python client failed: " + out);
    }
    JsonNode r = JsonMapper.shared().readTree(out);
    double commands = r.path("commands").asDouble();
    return new Sample(
        commands / r.path("seconds").asDouble(),
        r.path("cpu_seconds").asDouble() * 1e6 / commands,
        Double.NaN,
        Double.NaN,
        Double.NaN);
  }
}
