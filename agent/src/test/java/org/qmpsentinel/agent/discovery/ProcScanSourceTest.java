package org.qmpsentinel.agent.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcScanSourceTest {

  @Test
  void findsQmpSocketsInBothSpellings() {
    assertThat(
            QemuCommandLine.qmpSockets(
                List.of("qemu-system-x86_64", "-qmp", "unix:/run/a.qmp,server=on,wait=off")))
        .containsExactly(Path.of("/run/a.qmp"));
    assertThat(
            QemuCommandLine.qmpSockets(
                List.of(
                    "qemu-system-x86_64",
                    "-chardev",
                    "socket,id=charmonitor,path=/var/lib/libvirt/qemu/x/monitor.sock,server=on,wait=off",
                    "-mon",
                    "chardev=charmonitor,id=monitor,mode=control",
                    "-chardev",
                    "socket,id=hmp,path=/run/hmp.sock,server=on",
                    "-mon",
                    "chardev=hmp,mode=readline")))
        .containsExactly(Path.of("/var/lib/libvirt/qemu/x/monitor.sock"));
    assertThat(
            QemuCommandLine.qmpSockets(
                List.of("qemu-system-x86_64", "-qmp", "tcp:127.0.0.1:4444,server")))
        .isEmpty();
  }

  @Test
  void scansAFakeProcTree(@TempDir Path proc) throws Exception {
    write(
        proc.resolve("100/cmdline"),
        "/usr/bin/qemu-system-x86_64",
        "-name",
        "guest=vm7,debug-threads=on",
        "-qmp",
        "unix:/run/vm7.qmp,server=on");
    write(proc.resolve("200/cmdline"), "/usr/bin/bash", "-qmp", "unix:/run/not-qemu.qmp");
    Files.createDirectories(proc.resolve("self"));
    List<DiscoveredVm> found = new ProcScanSource(proc).scan();
    assertThat(found).hasSize(1);
    assertThat(found.get(0).name()).isEqualTo("vm7");
    assertThat(found.get(0).pid().getAsLong()).isEqualTo(100);
    assertThat(found.get(0).endpoint().toString()).isEqualTo("unix:/run/vm7.qmp");
  }

  private static void write(Path file, String... argv) throws Exception {
    Files.createDirectories(file.getParent());
    Files.write(file, (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8));
  }
}
