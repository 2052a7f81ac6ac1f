package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * QMP sockets matching a glob such as {@code /run/qmp-sentinel/*.qmp}. Rescanned every discovery
 * interval (a directory listing is cheap and, unlike inotify, cannot miss events); the VM's name is
 * the socket's file name without extension until QEMU reports its own.
 */
public final class SocketDirectorySource implements DiscoverySource {
  private final Path directory;
  private final PathMatcher matcher;

  public SocketDirectorySource(String glob) {
    Path pattern = Path.of(glob);
    Path parent = pattern.getParent();
    if (parent == null || parent.toString().contains("*")) {
      throw new IllegalArgumentException(
          "sentinel.discovery.socket-glob must be DIRECTORY/PATTERN with a fixed directory: "
              + glob);
    }
    this.directory = parent;
    this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.getFileName());
  }

  @Override
  public String name() {
    return "directory";
  }

  @Override
  public List<DiscoveredVm> scan() throws IOException {
    List<DiscoveredVm> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (matcher.matches(entry.getFileName())
            && !Files.isRegularFile(entry)
            && !Files.isDirectory(entry)) {
          found.add(
              new DiscoveredVm(
                  name(),
                  stem(entry),
                  QmpEndpoint.unix(entry),
                  Optional.empty(),
                  OptionalLong.empty()));
        }
      }
    } catch (NoSuchFileException e) {
      return List.of(); // no directory yet: no VMs
    }
    return found;
  }

  private static String stem(Path socket) {
    String file = socket.getFileName().toString();
    int dot = file.lastIndexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }
}
