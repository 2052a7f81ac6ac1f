package org.qmpsentinel.hang.internal.proc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.ProcThreads;

/**
 * {@code /proc/<pid>/task/<tid>/schedstat} gives nanoseconds on CPU (needs no ptrace access, unlike
 * much of /proc). When schedstats are unavailable, {@code stat}'s utime+stime (clock ticks, USER_HZ
 * = 100 on Linux) is the coarse fallback.
 */
public final class ProcfsThreads implements ProcThreads {
  private static final long NANOS_PER_TICK = 10_000_000L;
  private static final int MAX_DIGITS = 18; // 10^18 ns: 31 years on CPU, still a long
  private static final int SCHEDSTAT_HEAD = 32;

  private final Path root;

  public ProcfsThreads(Path root) {
    this.root = root;
  }

  @Override
  public OptionalLong cpuTimeNanos(long pid, long tid) {
    Path task = root.resolve(Long.toString(pid)).resolve("task").resolve(Long.toString(tid));
    OptionalLong schedstat = readSchedstat(task.resolve("schedstat"));
    if (schedstat.isPresent()) {
      return schedstat;
    }
    schedstat = readSchedstat(root.resolve(Long.toString(tid)).resolve("schedstat"));
    if (schedstat.isPresent()) {
      return schedstat;
    }
    return readStat(task.resolve("stat"));
  }

  @Override
  public boolean processAlive(long pid) {
    return Files.isDirectory(root.resolve(Long.toString(pid)));
  }

  /**
   * The first field, nanoseconds on CPU. Read without a regex or a whole-file string: at a thousand
   * VMs this runs thousands of times a minute, and {@code split("\\s+")} compiled a pattern each
   * time.
   */
  private static OptionalLong readSchedstat(Path file) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(SCHEDSTAT_HEAD);
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty(); // thread gone or unreadable: "unknown", never an error
    }
    long nanos = 0;
    int digits = 0;
    for (byte b : head) {
      if (b < '0' || b > '9') {
        break;
      }
      if (digits++ == MAX_DIGITS) {
        return OptionalLong.empty(); // longer than any long: not a schedstat line
      }
      nanos = nanos * 10 + (b - '0');
    }
    return digits == 0 ? OptionalLong.empty() : OptionalLong.of(nanos);
  }

  /** utime and stime are fields 14 and 15; the comm field (2) may contain spaces and ')'. */
  private static OptionalLong readStat(Path file) {
    String text = read(file);
    if (text == null) {
      return OptionalLong.empty();
    }
    int end = text.lastIndexOf(')');
    if (end < 0) {
      return OptionalLong.empty();
    }
    String[] rest = text.substring(end + 1).trim().split("\\s+");
    try {
      // rest[0] is field 3 (state), so utime (14) is rest[11] and stime (15) rest[12].
      return OptionalLong.of(
          (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) * NANOS_PER_TICK);
    } catch (RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  private static @Nullable String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return null; // thread gone or unreadable: the caller gets "unknown", never an error
    }
  }
}
