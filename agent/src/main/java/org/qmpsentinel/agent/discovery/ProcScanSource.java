package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.qmpsentinel.agent.discovery.Refusals.Reason;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * Running {@code qemu-system-*} processes whose command line declares a unix QMP socket, either
 * {@code -qmp unix:PATH,...} or {@code -chardev socket,id=ID,path=PATH,...} with {@code -mon
 * chardev=ID,mode=control}. The pid comes with it.
 *
 * <p>Any local user can start a process called {@code qemu-system-x86_64} with any command line, so
 * a declared socket is reported only if it is a socket (not a symlink), its owner is among the
 * {@link SocketOwners}, and the declaring process runs (real and effective uid) as that owner, as a
 * QEMU that created its own socket does. Otherwise the refusal is logged once and counted.
 */
public final class ProcScanSource implements DiscoverySource {
  private final Path procRoot;
  private final SocketOwners owners;
  private final Refusals refusals;
  private final Unmonitored unmonitored;
  private final Set<String> unmonitoredNow = new HashSet<>();
  private final PrincipalNames names = new PrincipalNames(System::nanoTime);

  public ProcScanSource(Path procRoot, SocketPolicy policy) {
    this.procRoot = procRoot;
    this.owners = policy.owners();
    this.unmonitored = policy.unmonitored();
    this.refusals =
        policy.refusals(name(), EnumSet.of(Reason.SYMLINK, Reason.OWNER, Reason.PROCESS_OWNER));
  }

  @Override
  public String name() {
    return "proc";
  }

  /** Refusals so far by reason ({@code symlink}, {@code owner}, {@code process_owner}). */
  public Map<String, Long> refusedSockets() {
    return refusals.counts();
  }

  @Override
  public List<DiscoveredVm> scan() throws IOException {
    List<DiscoveredVm> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(procRoot, "[0-9]*")) {
      for (Path dir : entries) {
        List<String> argv = readCmdline(dir.resolve("cmdline"));
        if (argv.isEmpty() || !isQemu(argv.get(0))) {
          continue;
        }
        long pid = Long.parseLong(dir.getFileName().toString());
        List<Path> declaredSockets = QemuCommandLine.qmpSockets(argv);
        if (declaredSockets.isEmpty() && !libvirtManaged(argv)) {
          String name = vmName(argv).orElse("pid " + pid);
          notMonitored(
              "pid " + pid,
              name,
              Unmonitored.Reason.NO_MONITOR_SOCKET,
              "QEMU pid " + pid + " has no unix QMP socket on its command line");
        }
        for (Path declared : declaredSockets) {
          Optional<Path> socket = absolute(dir, declared);
          if (socket.isPresent() && managerOwned(socket.get())) {
            notMonitored(
                socket.get().toString(),
                vmName(argv).orElse(socket.get().getFileName().toString()),
                Unmonitored.Reason.SOCKET_IN_USE_BY_MANAGER,
                socket.get()
                    + " belongs to the VM manager, which opens it for each command; the agent"
                    + " never holds it open");
            continue;
          }
          if (socket.isPresent() && !reachable(socket.get())) {
            // A directory on the way the agent's user may not search: stat fails with EACCES.
            notMonitored(
                socket.get().toString(),
                vmName(argv).orElse(socket.get().getFileName().toString()),
                Unmonitored.Reason.PERMISSION_DENIED,
                "cannot reach "
                    + socket.get()
                    + " of QEMU pid "
                    + pid
                    + ": a directory on its path denies the agent's user");
            continue;
          }
          if (socket.isPresent() && admit(dir, pid, socket.get())) {
            String name = vmName(argv).orElse(socket.get().getFileName().toString());
            if (!Files.isWritable(socket.get())) {
              // connect() on a unix socket needs write permission: EACCES, forever.
              notMonitored(
                  socket.get().toString(),
                  name,
                  Unmonitored.Reason.PERMISSION_DENIED,
                  "cannot open "
                      + socket.get()
                      + " of QEMU pid "
                      + pid
                      + ": permission denied for the agent's user");
              continue;
            }
            found.add(
                new DiscoveredVm(
                    name(),
                    name,
                    QmpEndpoint.unix(socket.get()),
                    Optional.empty(),
                    OptionalLong.of(pid)));
          }
        }
      }
    } finally {
      refusals.scanDone();
      unmonitored.retain(name(), unmonitoredNow);
      unmonitoredNow.clear();
    }
    return found;
  }

  private void notMonitored(String id, String name, Unmonitored.Reason reason, String detail) {
    unmonitoredNow.add(id);
    unmonitored.report(name(), id, name, reason, detail);
  }

  /**
   * Sockets a VM manager opens per command (Proxmox's qm: {@code /run/qemu-server/VMID.qmp}). A QMP
   * socket serves one client at a time, so holding it open would break the manager.
   */
  static boolean managerOwned(Path socket) {
    return MANAGER_DIRECTORIES.stream().anyMatch(socket::startsWith);
  }

  /** {@code qemu-system-*}, or {@code kvm}: Proxmox's (and old Debian's) name for it. */
  static boolean isQemu(String argv0) {
    Path file = Path.of(argv0).getFileName();
    String name = file == null ? "" : file.toString();
    return name.startsWith("qemu-system-") || name.equals("kvm");
  }

  static final List<Path> MANAGER_DIRECTORIES =
      List.of(Path.of("/run/qemu-server"), Path.of("/var/run/qemu-server"));

  /** libvirt's QEMU: its monitor is libvirt's ({@code id=charmonitor}); libvirt's API covers it. */
  static boolean libvirtManaged(List<String> argv) {
    return argv.stream().anyMatch(a -> a.contains("id=charmonitor"));
  }

  /** Whether the agent may look at the socket at all (search permission on its directories). */
  private static boolean reachable(Path socket) throws IOException {
    try {
      Files.readAttributes(
          socket,
          java.nio.file.attribute.BasicFileAttributes.class,
          java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return true;
    } catch (java.nio.file.AccessDeniedException e) {
      return false;
    } catch (java.nio.file.NoSuchFileException e) {
      return true; // not created yet: admit() says so
    }
  }

  private boolean admit(Path dir, long pid, Path socket) throws IOException {
    Optional<SocketFile> inspected = SocketFile.inspect(socket, names);
    Optional<ProcessUids> process = ProcessUids.read(dir.resolve("status"));
    if (inspected.isEmpty() || process.isEmpty()) {
      return false; // not created yet, or the process is gone
    }
    SocketFile file = inspected.get();
    if (file.isSymlink()) {
      refusals.refuse(socket, Reason.SYMLINK, "a symlink, declared by pid " + pid);
      return false;
    }
    if (!file.isSocket()) {
      return false;
    }
    if (!owners.admits(file)) {
      refusals.refuse(
          socket,
          Reason.OWNER,
          "owned by " + file.ownerText() + ", not in sentinel.discovery.socket-owners");
      return false;
    }
    ProcessUids uids = process.get();
    if (uids.real() != file.uid() || uids.effective() != file.uid()) {
      refusals.refuse(
          socket,
          Reason.PROCESS_OWNER,
          "owned by "
              + file.ownerText()
              + " but declared by pid "
              + pid
              + " running as uid "
              + uids.real()
              + "/"
              + uids.effective()
              + " (real/effective)");
      return false;
    }
    return true;
  }

  /**
   * A relative socket path is relative to QEMU's working directory, not the agent's: resolved
   * through {@code /proc/PID/cwd}, or dropped if that cannot be read.
   */
  private static Optional<Path> absolute(Path dir, Path socket) {
    if (socket.isAbsolute()) {
      return Optional.of(socket);
    }
    try {
      return Optional.of(Files.readSymbolicLink(dir.resolve("cwd")).resolve(socket).normalize());
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> vmName(List<String> argv) {
    for (int i = 0; i + 1 < argv.size(); i++) {
      if (argv.get(i).equals("-name")) {
        String v = argv.get(i + 1);
        Map<String, String> kv = QemuCommandLine.options(v);
        return Optional.of(kv.getOrDefault("guest", v.split(",")[0]));
      }
    }
    return Optional.empty();
  }

  private static List<String> readCmdline(Path file) {
    try {
      String raw = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      if (raw.isEmpty()) {
        return List.of();
      }
      return List.of(raw.split("\0"));
    } catch (IOException | RuntimeException e) {
      return List.of(); // process exited or not ours to read
    }
  }
}
