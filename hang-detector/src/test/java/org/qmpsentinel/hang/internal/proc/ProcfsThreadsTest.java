package org.qmpsentinel.hang.internal.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcfsThreadsTest {
  @TempDir Path root;

  /** A task directory in a temporary tree laid out like /proc (a fake of procfs's files). */
  private Path task(long pid, long tid) throws Exception {
    return Files.createDirectories(
        root.resolve(Long.toString(pid)).resolve("task").resolve(Long.toString(tid)));
  }

  @Test
  void readsThisThreadsCpuTimeFromTheRealProcfs() throws Exception {
    // /proc/thread-self -> PID/task/TID: the test thread's own kernel ids.
    Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
    long pid = Long.parseLong(self.getName(0).toString());
    long tid = Long.parseLong(self.getName(2).toString());
    ProcfsThreads proc = new ProcfsThreads(Path.of("/proc"));

    OptionalLong first = proc.cpuTimeNanos(pid, tid);
    long spin = 0;
    for (int i = 0; i < 5_000_000; i++) {
      spin += i ^ spin;
    }
    OptionalLong second = proc.cpuTimeNanos(pid, tid);

    assertThat(spin).isNotZero();
    assertThat(first).isPresent();
    assertThat(second.getAsLong()).isGreaterThanOrEqualTo(first.getAsLong()).isPositive();
    assertThat(proc.processAlive(pid)).isTrue();
  }

  @Test
  void takesTheFirstSchedstatField() throws Exception {
    Files.writeString(task(10, 11).resolve("schedstat"), "123456789012 4567 89\n");

    assertThat(new ProcfsThreads(root).cpuTimeNanos(10, 11)).hasValue(123456789012L);
  }

  @Test
  void fallsBackToStatTicksWhenSchedstatIsUnusable() throws Exception {
    Path task = task(20, 21);
    Files.writeString(task.resolve("schedstat"), "9999999999999999999999 1 1\n"); // overflows
    // comm may hold spaces and ')': fields are counted from the last ')'.
    Files.writeString(
        task.resolve("stat"),
        "21 (CPU 1/KVM) x) R 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0\n");

    assertThat(new ProcfsThreads(root).cpuTimeNanos(20, 21)).hasValue(300 * 10_000_000L);
  }

  @Test
  void aVanishedOrGarbledThreadIsUnknownNotAnError() throws Exception {
    Files.writeString(task(30, 31).resolve("schedstat"), "garbage");

    assertThat(new ProcfsThreads(root).cpuTimeNanos(30, 31)).isEmpty();
    assertThat(new ProcfsThreads(root).cpuTimeNanos(40, 41)).isEmpty();
    assertThat(new ProcfsThreads(root).processAlive(40)).isFalse();
  }
}
