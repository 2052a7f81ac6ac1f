package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A directory entry as discovery sees it before reporting it: read with {@code lstat}, so a symlink
 * is seen as one and never followed.
 *
 * @param user the owner's name, or the uid as text when the host has no such user
 * @param group the group's name, or the gid as text
 */
record SocketFile(Path path, int mode, long uid, String user, long gid, String group) {
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFLNK = 0120000;

  /** The entry's attributes, or empty when it does not exist (any more). */
  static Optional<SocketFile> inspect(Path path, PrincipalNames names) throws IOException {
    Map<String, Object> a;
    String[] owner;
    long uid;
    long gid;
    try {
      a = Files.readAttributes(path, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
      uid = ((Integer) attribute(a, "uid")) & 0xffffffffL;
      gid = ((Integer) attribute(a, "gid")) & 0xffffffffL;
      owner = names.of(path, uid, gid);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return Optional.of(
        new SocketFile(path, (Integer) attribute(a, "mode"), uid, owner[0], gid, owner[1]));
  }

  /** The "unix" view always has these attributes; a missing one is a broken JDK, not input. */
  static Object attribute(Map<String, Object> attributes, String name) {
    return java.util.Objects.requireNonNull(attributes.get(name), name);
  }

  boolean isSymlink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  boolean isSocket() {
    return (mode & S_IFMT) == S_IFSOCK;
  }

  /** {@code uid 4242} or {@code uid 64055 (libvirt-qemu)}, group likewise, for log lines. */
  String ownerText() {
    return named("uid", uid, user) + ", " + named("gid", gid, group);
  }

  private static String named(String kind, long id, String name) {
    return kind + " " + id + (name.equals(Long.toString(id)) ? "" : " (" + name + ")");
  }
}
