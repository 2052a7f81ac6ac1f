package org.qmpsentinel.agent.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real qemu-system-x86_64 guest for tests: KVM when /dev/kvm is usable, else TCG. SeaBIOS by
 * default (healthy: it wakes every AP), or the stuck-bsp firmware (the hang's end state).
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
    Path kvm = Path.of("/dev/kvm");
    return Files.isReadable(kvm) && Files.isWritable(kvm);
  }

  public static QemuVm healthy(String name, int smp, Path socketDir) throws IOException {
    return start(name, smp, socketDir, List.of());
  }

  public static QemuVm stuck(String name, int smp, Path socketDir) throws IOException {
    return start(name, smp, socketDir, List.of("-bios", Guests.stuckBspRom().toString()));
  }

  public static QemuVm start(String name, int smp, Path socketDir, List<String> extra)
      throws IOException {
    Files.createDirectories(socketDir);
    Path socket = socketDir.resolve(name + ".qmp");
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            "qemu-system-x86_64",
            "-accel",
            kvmUsable() ? "kvm" : "tcg",
            "-name",
            name,
            "-smp",
            Integer.toString(smp),
            "-m",
            "64",
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-qmp",
            "unix:" + socket + ",server=on,wait=off"));
    cmd.addAll(extra);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(socketDir.resolve(name + ".log").toFile())
            .start();
    QemuVm vm = new QemuVm(name, socket, p);
    await("QMP socket of " + name)
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(socket) || !p.isAlive());
    if (!p.isAlive()) {
      throw new IllegalStateException(
          name + " exited: " + Files.readString(socketDir.resolve(name + ".log")));
    }
    return vm;
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
