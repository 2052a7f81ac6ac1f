package org.qmpsentinel.agent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A secret kept in a file rather than in the configuration: the file's content minus a trailing
 * newline. Read once at start-up. A file that others may read, or others or its group may write,
 * stops start-up: a token anyone on the host can read (or replace) protects nothing.
 */
final class TokenFile {
  private static final Set<PosixFilePermission> TOO_OPEN =
      EnumSet.of(
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.GROUP_WRITE);

  private TokenFile() {}

  /** The token in {@code file}; errors name {@code property}. */
  static String read(Path file, String property) {
    if (!file.isAbsolute()) {
      throw new IllegalArgumentException(property + " must be an absolute path, was " + file);
    }
    try {
      Set<PosixFilePermission> open = EnumSet.copyOf(Files.getPosixFilePermissions(file));
      open.retainAll(TOO_OPEN);
      if (!open.isEmpty()) {
        throw new IllegalArgumentException(
            property + ": " + file + " has permissions " + open + "; chmod 0640 or 0600 it");
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException(property + ": " + file + " is empty");
      }
      return token;
    } catch (IOException e) {
      // Not chained: the start-up report shows the root cause's message, which must name the
      // property.
      throw new IllegalArgumentException(property + ": cannot read " + file + ": " + e);
    }
  }
}
