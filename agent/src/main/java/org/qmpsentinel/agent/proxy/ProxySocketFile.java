package org.qmpsentinel.agent.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Where a VM's proxy socket lives and who may use it: {@code sentinel.proxy.path} with the VM's
 * name, mode 0660, group {@code sentinel.proxy.group}. A socket left by an earlier agent is
 * replaced; anything else at the path (a file, a symlink, a directory) is left alone and the VM
 * gets no proxy.
 */
final class ProxySocketFile {
  private static final Set<PosixFilePermission> SOCKET_MODE =
      PosixFilePermissions.fromString("rw-rw----");
  private static final Set<PosixFilePermission> DIRECTORY_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  private ProxySocketFile() {}

  /** The path for the VM named {@code vm}: unusual characters become {@code _}. */
  static Path path(String pattern, String vm) {
    String safe = vm.replaceAll("[^A-Za-z0-9._-]", "_");
    if (safe.isEmpty() || safe.equals(".") || safe.equals("..")) {
      safe = "_" + safe;
    }
    return Path.of(pattern.replace("{vm}", safe));
  }

  /** Makes the directory and removes a stale socket; throws if something else is there. */
  static void prepare(Path socket) throws IOException {
    Path parent = socket.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
    }
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      BasicFileAttributes a =
          Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.isOther()) {
        throw new IOException(socket + " exists and is not a socket; not replacing it");
      }
      Files.delete(socket); // an earlier agent's socket: nobody can be listening on it now
    }
  }

  /** Mode 0660 and the configured group, right after the bind. */
  static void protect(Path socket, @Nullable GroupPrincipal group) throws IOException {
    Files.setPosixFilePermissions(socket, SOCKET_MODE);
    if (group != null) {
      Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setGroup(group);
    }
  }

  static void removeQuietly(Path socket) {
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // Best effort: the next agent's prepare() replaces a stale socket anyway.
    }
  }
}
