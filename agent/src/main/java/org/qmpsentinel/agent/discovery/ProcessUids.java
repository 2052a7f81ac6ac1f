package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process's real and effective uid, from the {@code Uid:} line of {@code /proc/PID/status} (real,
 * effective, saved, filesystem). Both matter: a set-uid program started under a name like {@code
 * qemu-system-x86_64} runs with root's effective uid but its caller's real one.
 */
record ProcessUids(long real, long effective) {

  /** Empty when the process is gone or the file has no readable {@code Uid:} line. */
  static Optional<ProcessUids> read(Path statusFile) {
    try {
      for (String line : Files.readAllLines(statusFile)) {
        if (line.startsWith("Uid:")) {
          String[] ids = line.substring(4).trim().split("\\s+");
          return Optional.of(new ProcessUids(Long.parseLong(ids[0]), Long.parseLong(ids[1])));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not a status file: the caller treats the process as unknown
    }
    return Optional.empty();
  }
}
