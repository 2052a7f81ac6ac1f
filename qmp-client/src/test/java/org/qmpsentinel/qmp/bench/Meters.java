package org.qmpsentinel.qmp.bench;

import java.lang.management.ManagementFactory;

/** What the benchmark reads from the JVM: process CPU (GC and JIT included) and allocations. */
final class Meters {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Meters() {}

  /** CPU time of the whole process: every thread, including GC and JIT compiler threads. */
  static long processCpuNanos() {
    return OS.getProcessCpuTime();
  }

  /** CPU time of one thread, e.g. the in-process fake server's, to subtract it. */
  static long threadCpuNanos(Thread thread) {
    return Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
  }

  /** Bytes allocated so far by one thread. */
  static long threadAllocatedBytes(Thread thread) {
    return Math.max(0, THREADS.getThreadAllocatedBytes(thread.getId()));
  }

  /** Bytes allocated so far by every live thread. */
  static long allocatedBytes() {
    long total = 0;
    for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }
}
