package org.qmpsentinel.agent.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent as shipped, in its own JVM: {@code agent/target/qmp-sentinel-exec.jar} (built by the
 * {@code package} phase, before Failsafe runs) with the JVM options of the systemd unit's
 * environment file ({@code deploy/systemd/qmp-sentinel.env}: {@code -Xmx256m}, {@code
 * -XX:+ExitOnOutOfMemoryError}), so an attack that exhausts the heap ends the process, as it would
 * in production. Its output goes to a log file the test reads; the HTTP port is the one it logs.
 */
public final class ForkedAgent implements AutoCloseable {
  private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path REPO = Path.of(System.getProperty("qmpsentinel.repo", ".."));

  private final Process process;
  private final Path log;
  private final int port;

  private ForkedAgent(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** The shipped JVM options: {@code JAVA_OPTS} of the unit's environment file. */
  public static List<String> shippedJvmOptions() throws IOException {
    for (String line : Files.readAllLines(REPO.resolve("deploy/systemd/qmp-sentinel.env"))) {
      if (line.startsWith("JAVA_OPTS=")) {
        String value = line.substring("JAVA_OPTS=".length()).replace("\"", "").trim();
        return List.of(value.split("\\s+"));
      }
    }
    throw new IllegalStateException("no JAVA_OPTS in deploy/systemd/qmp-sentinel.env");
  }

  /**
   * Starts the agent with {@code properties} as {@code --key=value} arguments (and {@code
   * server.port=0}), logging to {@code log} (appended: a restarted agent's lines follow the first
   * one's), and waits until it serves HTTP.
   */
  public static ForkedAgent start(Map<String, String> properties, Path log) throws IOException {
    Path jar = REPO.resolve("agent/target/qmp-sentinel-exec.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " missing: run the package phase first");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(shippedJvmOptions());
    command.add("-jar");
    command.add(jar.toString());
    command.add("--server.port=0");
    properties.forEach((k, v) -> command.add("--" + k + "=" + v));
    long offset = Files.exists(log) ? Files.size(log) : 0;
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    int[] port = {-1};
    try {
      await("the forked agent serves HTTP (log " + log + ")")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!p.isAlive()) {
                  throw new AssertionError("the agent exited at start:\n" + tail(log, 40));
                }
                Matcher m = PORT.matcher(readFrom(log, offset));
                if (m.find()) {
                  port[0] = Integer.parseInt(m.group(1));
                  return true;
                }
                return false;
              });
    } catch (RuntimeException | AssertionError e) {
      p.destroyForcibly();
      throw e;
    }
    return new ForkedAgent(p, log, port[0]);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** The whole log so far (every run appended to it). */
  public String logText() {
    return readFrom(log, 0);
  }

  /** SIGKILL, as the OOM killer or a power cut would: no shutdown hook runs. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** GET {@code path} from the agent's HTTP port; the body. */
  public String get(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code /api/v1/vms/{name}}, or empty if the agent does not know it. */
  public JsonNode vm(String name) {
    for (JsonNode vm : JsonMapper.shared().readTree(get("/api/v1/vms"))) {
      if (vm.path("name").asString().equals(name)) {
        return vm;
      }
    }
    return JsonMapper.shared().createObjectNode();
  }

  /** The value of one exposition line ({@code name{labels}} exactly), or NaN if absent. */
  public double metric(String series) {
    for (String line : get("/actuator/prometheus").split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return Double.NaN;
  }

  /** Heap in use after a full collection (jcmd GC.run), in bytes: the agent's live set. */
  public long liveHeapBytes() throws IOException, InterruptedException {
    Process gc =
        new ProcessBuilder("jcmd", Long.toString(pid()), "GC.run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    gc.waitFor(60, TimeUnit.SECONDS);
    double sum = 0;
    for (String line : get("/actuator/prometheus").split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) sum;
  }

  /** A {@code /proc/PID/status} figure in kB (e.g. VmHWM, the peak resident set), if present. */
  public OptionalLong procStatusKb(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith(field + ":")) {
        return OptionalLong.of(Long.parseLong(line.replaceAll("\\D+", "")));
      }
    }
    return OptionalLong.empty();
  }

  /** Open file descriptors and threads of the agent process. */
  public long openFiles() throws IOException {
    try (var s = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
      return s.count();
    }
  }

  public long threads() throws IOException {
    try (var s = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
      return s.count();
    }
  }

  /** The last {@code n} lines of the log, for failure messages. */
  public static String tail(Path log, int n) {
    List<String> lines = readFrom(log, 0).lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  private static String readFrom(Path log, long offset) {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGTERM, then SIGKILL if it has not stopped within 20 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
