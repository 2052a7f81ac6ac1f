package org.qmpsentinel.agent.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class ProcScanSourceTest {
  private static final long ROOT = 0;

  @TempDir Path tmp;
  private final Sockets sockets = new Sockets();

  @AfterEach
  void close() throws Exception {
    sockets.close();
  }

  private static ProcScanSource source(Path proc) {
    return new ProcScanSource(
        proc,
        new SocketPolicy(
            SocketOwners.of(
                List.of("root", "libvirt-qemu", "qemu", System.getProperty("user.name")), 4299)));
  }

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
    Path socket = sockets.listen(tmp.resolve("run/vm7.qmp"));
    long me = ownUid();
    process(
        proc,
        100,
        me,
        me,
        "/usr/bin/qemu-system-x86_64",
        "-name",
        "guest=vm7,debug-threads=on",
        "-qmp",
        "unix:" + socket + ",server=on");
    process(proc, 200, me, me, "/usr/bin/bash", "-qmp", "unix:" + socket);
    process(proc, 300, me, me, "/usr/bin/qemu-system-x86_64", "-qmp", "unix:/run/not-there.qmp");
    Files.createDirectories(proc.resolve("self"));
    List<DiscoveredVm> found = source(proc).scan();
    assertThat(found).hasSize(1);
    assertThat(found.get(0).name()).isEqualTo("vm7");
    assertThat(found.get(0).pid().getAsLong()).isEqualTo(100);
    assertThat(found.get(0).endpoint().toString()).isEqualTo("unix:" + socket);
  }

  @Test
  void aRelativeSocketPathIsRelativeToQemusWorkingDirectory(@TempDir Path proc) throws Exception {
    Path socket = sockets.listen(tmp.resolve("vms/rel.qmp"));
    long me = ownUid();
    process(proc, 100, me, me, "qemu-system-aarch64", "-qmp", "unix:rel.qmp,server=on");
    Files.createSymbolicLink(proc.resolve("100/cwd"), tmp.resolve("vms"));
    assertThat(source(proc).scan())
        .singleElement()
        .satisfies(vm -> assertThat(vm.endpoint().toString()).isEqualTo("unix:" + socket));
  }

  @Test
  void aProcessCannotPointTheAgentAtASocketItDoesNotOwn(@TempDir Path proc, CapturedOutput output)
      throws Exception {
    // A trusted socket (root's, say libvirt's monitor) named by an untrusted user's process, or by
    // a set-uid program the user started under a qemu-system-* name (real uid the user's).
    Path trusted = Sockets.chown(sockets.listen(tmp.resolve("libvirt/monitor.sock")), 0, 0);
    process(proc, 100, 4242, 4242, "qemu-system-x86_64", "-qmp", "unix:" + trusted);
    process(proc, 101, 4242, ROOT, "/tmp/qemu-system-x86_64", "-qmp", "unix:" + trusted);
    // The user's own socket: its owner is not on the list.
    Path own = Sockets.chown(sockets.listen(tmp.resolve("home/own.qmp")), 4242, 4242);
    process(proc, 102, 4242, 4242, "qemu-system-x86_64", "-qmp", "unix:" + own);
    // A symlink to the trusted socket, named by a root process.
    Path link = tmp.resolve("run/link.qmp");
    Files.createDirectories(link.getParent());
    Files.createSymbolicLink(link, trusted);
    process(proc, 103, ROOT, ROOT, "qemu-system-x86_64", "-qmp", "unix:" + link);

    ProcScanSource source = source(proc);
    assertThat(source.scan()).isEmpty();
    assertThat(source.scan()).isEmpty();

    assertThat(source.refusedSockets())
        .containsEntry("process_owner", 1L) // one path, refused once while it stays refused
        .containsEntry("owner", 1L)
        .containsEntry("symlink", 1L);
    assertThat(output)
        .contains(trusted + ": owned by uid 0 (root), gid 0 (root) but declared by pid 10")
        .contains(own + ": owned by uid 4242, gid 4242, not in sentinel.discovery.socket-owners")
        .contains(link + ": a symlink, declared by pid 103");
  }

  @Test
  void aRootQemuWithItsOwnSocketIsFound(@TempDir Path proc) throws Exception {
    Path socket = Sockets.chown(sockets.listen(tmp.resolve("run/vm.qmp")), 0, 0);
    process(proc, 100, ROOT, ROOT, "qemu-system-x86_64", "-qmp", "unix:" + socket);
    assertThat(source(proc).scan()).hasSize(1);
  }

  @Test
  void aManagersPerCommandSocketIsNeverOpenedAndListedOnce(
      @TempDir Path proc, CapturedOutput output) throws Exception {
    // Proxmox's qm opens /run/qemu-server/VMID.qmp per command: the agent must not take it. The
    // socket need not exist: the path alone decides, before anything is opened.
    process(
        proc,
        100,
        ROOT,
        ROOT,
        "/usr/bin/kvm",
        "-id",
        "100",
        "-name",
        "web,debug-threads=on",
        "-chardev",
        "socket,id=qmp,path=/var/run/qemu-server/100.qmp,server=on,wait=off",
        "-mon",
        "chardev=qmp,mode=control");
    process(
        proc,
        101,
        ROOT,
        ROOT,
        "qemu-system-x86_64",
        "-name",
        "db",
        "-qmp",
        "unix:/run/qemu-server/101.qmp,server=on,wait=off");
    SocketPolicy policy = policy();
    ProcScanSource source = new ProcScanSource(proc, policy);
    assertThat(source.scan()).isEmpty();
    assertThat(source.scan()).isEmpty();
    assertThat(policy.unmonitored().entries())
        .extracting(Unmonitored.Entry::name, Unmonitored.Entry::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("db", "socket_in_use_by_manager"),
            org.assertj.core.groups.Tuple.tuple("web", "socket_in_use_by_manager"));
    assertThat(output.getOut().split("not monitoring db ", -1)).hasSize(2); // WARN once
    assertThat(policy.unmonitored().entries().get(0).fix()).contains("args: -qmp unix:");
    assertThat(ProcScanSource.managerOwned(Path.of("/var/run/qemu-server/100.qmp"))).isTrue();
    assertThat(ProcScanSource.managerOwned(Path.of("/run/qmp-sentinel/100.qmp"))).isFalse();
  }

  @Test
  void aQemuWithoutASocketIsListedUntilItExitsButLibvirtsOwnAreNot(@TempDir Path proc)
      throws Exception {
    process(proc, 100, ROOT, ROOT, "qemu-system-x86_64", "-name", "guest=bare", "-m", "64");
    process(
        proc,
        101,
        64055,
        64055,
        "/usr/bin/qemu-system-x86_64",
        "-name",
        "guest=libvirt-domain,debug-threads=on",
        "-chardev",
        "socket,id=charmonitor,fd=28,server=on,wait=off",
        "-mon",
        "chardev=charmonitor,id=monitor,mode=control");
    SocketPolicy policy = policy();
    ProcScanSource source = new ProcScanSource(proc, policy);
    assertThat(source.scan()).isEmpty();
    assertThat(policy.unmonitored().entries())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.name()).isEqualTo("bare");
              assertThat(e.reason()).isEqualTo("no_monitor_socket");
              assertThat(e.id()).isEqualTo("pid 100");
            });
    org.springframework.util.FileSystemUtils.deleteRecursively(proc.resolve("100"));
    source.scan();
    assertThat(policy.unmonitored().entries()).isEmpty();
  }

  @Test
  void aSocketTheAgentMayNotOpenIsPermissionDenied(@TempDir Path proc) throws Exception {
    // Needs a non-root agent: root may connect to any socket. Run as root, access(2) cannot fail.
    org.junit.jupiter.api.Assumptions.assumeFalse(ownUid() == 0, "root can open every socket");
    Path socket = sockets.listen(tmp.resolve("run/locked.qmp"));
    Files.setPosixFilePermissions(
        socket, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
    long me = ownUid();
    process(proc, 100, me, me, "qemu-system-x86_64", "-qmp", "unix:" + socket);
    SocketPolicy policy = policy();
    assertThat(new ProcScanSource(proc, policy).scan()).isEmpty();
    assertThat(policy.unmonitored().entries())
        .singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("permission_denied"));
  }

  private static SocketPolicy policy() {
    return new SocketPolicy(
        SocketOwners.of(
            List.of("root", "libvirt-qemu", "qemu", System.getProperty("user.name")), 4299),
        new Unmonitored());
  }

  private static long ownUid() {
    return ProcessUids.read(Path.of("/proc/self/status")).orElseThrow().effective();
  }

  /** A fake /proc/PID with a command line and the Uid line of its status. */
  private static void process(Path proc, int pid, long realUid, long effectiveUid, String... argv)
      throws Exception {
    Path dir = proc.resolve(Integer.toString(pid));
    Files.createDirectories(dir);
    Files.write(
        dir.resolve("cmdline"), (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        dir.resolve("status"),
        "Name:\tqemu\nUid:\t%d\t%d\t%d\t%d\nGid:\t0\t0\t0\t0\n"
            .formatted(realUid, effectiveUid, effectiveUid, effectiveUid));
  }
}
