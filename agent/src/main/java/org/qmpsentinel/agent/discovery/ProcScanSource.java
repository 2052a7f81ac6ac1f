package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
  private final PrincipalNames names = new PrincipalNames(System::nanoTime);

  public ProcScanSource(Path procRoot, SocketPolicy policy) {
    this.procRoot = procRoot;
    this.owners = policy.owners();
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
        if (argv.isEmpty()
            || !Path.of(argv.get(0)).getFileName().toString().startsWith("qemu-system-")) {
          continue;
        }
        long pid = Long.parseLong(dir.getFileName().toString());
        for (Path declared : QemuCommandLine.qmpSockets(argv)) {
          Optional<Path> socket = absolute(dir, declared);
          if (socket.isPresent() && admit(dir, pid, socket.get())) {
            String name = vmName(argv).orElse(socket.get().getFileName().toString());
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
    }
    return found;
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
