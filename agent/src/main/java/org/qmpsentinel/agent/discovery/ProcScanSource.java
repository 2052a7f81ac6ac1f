package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * Running {@code qemu-system-*} processes whose command line declares a unix QMP socket, either
 * {@code -qmp unix:PATH,...} or {@code -chardev socket,id=ID,path=PATH,...} with {@code -mon
 * chardev=ID,mode=control}. The pid comes with it.
 */
public final class ProcScanSource implements DiscoverySource {
  private final Path procRoot;

  public ProcScanSource(Path procRoot) {
    this.procRoot = procRoot;
  }

  @Override
  public String name() {
    return "proc";
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
        for (Path socket : QemuCommandLine.qmpSockets(argv)) {
          String name = vmName(argv).orElse(socket.getFileName().toString());
          found.add(
              new DiscoveredVm(
                  name(), name, QmpEndpoint.unix(socket), Optional.empty(), OptionalLong.of(pid)));
        }
      }
    }
    return found;
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
