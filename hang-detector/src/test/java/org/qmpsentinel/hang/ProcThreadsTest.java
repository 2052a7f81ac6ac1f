package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcThreadsTest {

  @Test
  void readsSchedstatThenFallsBackToStat(@TempDir Path proc) throws Exception {
    Path task = Files.createDirectories(proc.resolve("42/task/43"));
    Files.writeString(task.resolve("schedstat"), "123456789 1000 7\n");
    Path other = Files.createDirectories(proc.resolve("42/task/44"));
    // comm with spaces and parens: "(CPU 1/KVM)"; utime=250 stime=50 ticks -> 3 s
    Files.writeString(
        other.resolve("stat"),
        "44 (CPU 1/KVM) S 1 42 42 0 -1 4194560 0 0 0 0 250 50 0 0 20 0 1 0\n");
    ProcThreads threads = ProcThreads.of(proc);
    assertThat(threads.cpuTimeNanos(42, 43)).hasValue(123456789L);
    assertThat(threads.cpuTimeNanos(42, 44)).hasValue(3_000_000_000L);
    assertThat(threads.cpuTimeNanos(42, 45)).isEmpty();
    assertThat(threads.processAlive(42)).isTrue();
    assertThat(threads.processAlive(99)).isFalse();
  }

  @Test
  void readsTheRealProcOfThisThread() {
    long pid = ProcessHandle.current().pid();
    long spin = System.nanoTime();
    while (System.nanoTime() - spin < 20_000_000L) {
      Thread.onSpinWait(); // burn a little CPU so the counter is clearly non-zero
    }
    // The main thread's tid equals the pid for the process's first thread only; find our tid.
    long tid = Long.parseLong(readLink("/proc/thread-self").replaceAll(".*/", ""));
    assertThat(ProcThreads.system().cpuTimeNanos(pid, tid).orElse(-1)).isPositive();
    assertThat(ProcThreads.system().processAlive(pid)).isTrue();
  }

  private static String readLink(String path) {
    try {
      return Files.readSymbolicLink(Path.of(path)).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
