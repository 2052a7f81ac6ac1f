package org.qmpsentinel.hang;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads per-thread CPU time from procfs: {@code /proc/<pid>/task/<tid>/schedstat} (first field:
 * nanoseconds on CPU), with {@code /proc/<tid>/stat} as fallback. Pure file reads; the root is
 * injectable so tests use a fake tree.
 */
public interface ProcThreads {

  static ProcThreads of(Path procRoot) {
    return new org.qmpsentinel.hang.internal.proc.ProcfsThreads(procRoot);
  }

  static ProcThreads system() {
    return of(Path.of("/proc"));
  }

  /** Cumulative on-CPU nanoseconds of the thread; empty when it is gone or unreadable. */
  OptionalLong cpuTimeNanos(long pid, long tid);

  /** Whether the process exists. */
  boolean processAlive(long pid);
}
