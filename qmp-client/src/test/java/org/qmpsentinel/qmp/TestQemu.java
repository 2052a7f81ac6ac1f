package org.qmpsentinel.qmp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a qemu-system-x86_64 with a QMP unix socket, for tests and the benchmark: the
 * distribution's own, or another {@link QemuBuild}.
 */
public final class TestQemu {
  private TestQemu() {}

  /** QEMU opens /dev/kvm read-write. */
  public static boolean kvmUsable() {
    Path kvm = Path.of("/dev/kvm");
    return Files.isReadable(kvm) && Files.isWritable(kvm);
  }

  /**
   * Starts a small guest (SeaBIOS, no disk, 64 MiB) on the {@linkplain QemuBuild#selected()
   * selected} QEMU build and waits until its QMP socket exists.
   *
   * @param extra further arguments, e.g. {@code -name}, {@code -smp}
   */
  public static Process start(String accel, Path socket, Path log, String... extra)
      throws IOException, InterruptedException {
    return start(QemuBuild.selected(), accel, socket, log, extra);
  }

  /**
   * Starts a small guest on {@code build}; skips the calling test (an assumption) when that build
   * is absent.
   */
  public static Process start(QemuBuild build, String accel, Path socket, Path log, String... extra)
      throws IOException, InterruptedException {
    build.assumeAvailable();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                build.binary().toString(),
                "-accel",
                accel,
                "-m",
                "64",
                "-nodefaults",
                "-no-user-config",
                "-display",
                "none",
                "-qmp",
                "unix:" + socket + ",server=on,wait=off"));
    cmd.addAll(List.of(extra));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    // Waiting for QEMU to listen on its socket: an outside process's condition, polled with a
    // deadline. The file exists from bind(), a moment before listen(): a connect in between is
    // refused (seen under load), so wait for the listening state in /proc/net/unix.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!isListening(socket)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IOException("QEMU did not start: " + Files.readString(log));
      }
      Thread.sleep(10);
    }
    return p;
  }

  /**
   * True once a unix socket at {@code path} is listening ({@code __SO_ACCEPTCON} in {@code
   * /proc/net/unix}); where that file cannot be read, once the socket file exists.
   */
  static boolean isListening(Path path) throws IOException {
    if (!Files.exists(path)) {
      return false;
    }
    Path table = Path.of("/proc/net/unix");
    if (!Files.isReadable(table)) {
      return true;
    }
    String suffix = " " + path;
    try (var lines = Files.lines(table)) {
      return lines
          .filter(line -> line.endsWith(suffix))
          .map(line -> line.trim().split("\\s+"))
          .anyMatch(f -> f.length >= 8 && f[3].equals("00010000"));
    }
  }
}
