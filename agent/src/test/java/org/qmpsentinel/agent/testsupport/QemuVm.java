package org.qmpsentinel.agent.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qmpsentinel.qmp.QemuBuild;
import org.qmpsentinel.qmp.TestQemu;

/**
 * A real qemu-system-x86_64 guest for tests: KVM when /dev/kvm is usable, else TCG. SeaBIOS by
 * default (healthy: it wakes every AP), or the stuck-bsp firmware (the hang's end state). The QEMU
 * is the {@linkplain QemuBuild#selected() selected build}: the distribution's, or QEMU 10 in the
 * qemu10 Failsafe execution (a test tagged "qemu" is skipped there when that build is absent).
 */
public final class QemuVm implements AutoCloseable {
  private final String name;
  private final Path socket;
  private final Process process;

  private QemuVm(String name, Path socket, Process process) {
    this.name = name;
    this.socket = socket;
    this.process = process;
  }

  public static boolean kvmUsable() {
    return TestQemu.kvmUsable();
  }

  public static QemuVm healthy(String name, int smp, Path socketDir) throws IOException {
    return start(name, smp, socketDir, List.of());
  }

  public static QemuVm stuck(String name, int smp, Path socketDir) throws IOException {
    return start(name, smp, socketDir, List.of("-bios", Guests.stuckBspRom().toString()));
  }

  public static QemuVm start(String name, int smp, Path socketDir, List<String> extra)
      throws IOException {
    return start(name, smp, socketDir, kvmUsable() ? "kvm" : "tcg", extra);
  }

  /** As {@link #start(String, int, Path, List)} with the accelerator chosen by the caller. */
  public static QemuVm start(String name, int smp, Path socketDir, String accel, List<String> extra)
      throws IOException {
    Files.createDirectories(socketDir);
    Path socket = socketDir.resolve(name + ".qmp");
    List<String> args = new ArrayList<>(List.of("-name", name, "-smp", Integer.toString(smp)));
    args.addAll(extra);
    try {
      Process p =
          TestQemu.start(
              accel, socket, socketDir.resolve(name + ".log"), args.toArray(String[]::new));
      return new QemuVm(name, socket, p);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  public String name() {
    return name;
  }

  public Path socket() {
    return socket;
  }

  public long pid() {
    return process.pid();
  }

  public void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start().waitFor();
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
      Files.deleteIfExists(socket);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // best effort
    }
  }
}
