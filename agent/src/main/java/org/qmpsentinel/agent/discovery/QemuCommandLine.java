package org.qmpsentinel.agent.discovery;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reading QMP sockets out of a QEMU command line (from /proc or from libvirt's domain XML). */
public final class QemuCommandLine {
  private QemuCommandLine() {}

  /**
   * The unix QMP sockets a QEMU command line declares: {@code -qmp unix:PATH,...}, or {@code
   * -chardev socket,id=ID,path=PATH,...} with {@code -mon chardev=ID,mode=control}.
   */
  public static List<Path> qmpSockets(List<String> argv) {
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

  /** {@code a=1,b=2} as a map (QEMU's option syntax; values without '=' are skipped). */
  public static Map<String, String> options(String value) {
    Map<String, String> kv = new HashMap<>();
    for (String part : value.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        kv.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return kv;
  }
}
