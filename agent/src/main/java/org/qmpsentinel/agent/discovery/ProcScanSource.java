package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
        for (Path socket : qmpSockets(argv)) {
          String name = vmName(argv).orElse(socket.getFileName().toString());
          found.add(
              new DiscoveredVm(
                  name(), name, QmpEndpoint.unix(socket), Optional.empty(), OptionalLong.of(pid)));
        }
      }
    }
    return found;
  }

  /** The unix QMP sockets a QEMU command line declares (package-visible for tests). */
  static List<Path> qmpSockets(List<String> argv) {
    List<Path> sockets = new ArrayList<>();
    Map<String, String> chardevPaths = new HashMap<>();
    List<String> controlMonitors = new ArrayList<>();
    for (int i = 0; i + 1 < argv.size(); i++) {
      String opt = argv.get(i).replaceFirst("^--", "-");
      String value = argv.get(i + 1);
      switch (opt) {
        case "-qmp" -> {
          if (value.startsWith("unix:")) {
            sockets.add(Path.of(value.substring(5).split(",")[0]));
          }
        }
        case "-chardev" -> {
          Map<String, String> kv = options(value);
          if (value.startsWith("socket") && kv.containsKey("id") && kv.containsKey("path")) {
            chardevPaths.put(kv.get("id"), kv.get("path"));
          }
        }
        case "-mon" -> {
          Map<String, String> kv = options(value);
          if ("control".equals(kv.get("mode")) && kv.containsKey("chardev")) {
            controlMonitors.add(kv.get("chardev"));
          }
        }
        default -> {}
      }
    }
    for (String id : controlMonitors) {
      String path = chardevPaths.get(id);
      if (path != null) {
        sockets.add(Path.of(path));
      }
    }
    return sockets;
  }

  private static Optional<String> vmName(List<String> argv) {
    for (int i = 0; i + 1 < argv.size(); i++) {
      if (argv.get(i).equals("-name")) {
        String v = argv.get(i + 1);
        Map<String, String> kv = options(v);
        return Optional.of(kv.getOrDefault("guest", v.split(",")[0]));
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> options(String value) {
    Map<String, String> kv = new HashMap<>();
    for (String part : value.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        kv.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return kv;
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
