package org.qmpsentinel.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Real threads standing in for vCPU threads. The agent reads {@code /proc/<pid>/task/<tid>/
 * schedstat} for every vCPU {@code thread-id} that query-cpus-fast reports (pid from the socket's
 * SO_PEERCRED), so the ids must be threads of this process; but 10,000 two-vCPU VMs must not cost
 * 20,000 threads. A small pool of parked threads is shared round-robin instead: the schedstat files
 * exist and show (nearly) no CPU time, and within one VM the ids are distinct.
 */
final class VcpuThreads {
  private final long[] tids;

  private VcpuThreads(long[] tids) {
    this.tids = tids;
  }

  static VcpuThreads start(int count) {
    AtomicLongArray ids = new AtomicLongArray(count);
    CountDownLatch ready = new CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      int slot = i;
      Thread t =
          new Thread(
              () -> {
                ids.set(slot, currentTid());
                ready.countDown();
                while (true) {
                  LockSupport.park(); // forever: a daemon thread, gone with the process
                }
              },
              "sim-vcpu-" + i);
      t.setDaemon(true);
      t.start();
    }
    try {
      ready.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting vCPU threads", e);
    }
    long[] tids = new long[count];
    for (int i = 0; i < count; i++) {
      tids[i] = ids.get(i);
    }
    return new VcpuThreads(tids);
  }

  /** The calling thread's kernel thread id: /proc/thread-self links to {@code <pid>/task/<tid>}. */
  static long currentTid() {
    try {
      Path link = Files.readSymbolicLink(Path.of("/proc/thread-self"));
      return Long.parseLong(link.getFileName().toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/thread-self (Linux only)", e);
    }
  }

  /** Thread ids for the vCPUs of VM number {@code vm} (1-based): distinct while vcpus <= size. */
  long[] forVm(int vm, int vcpus) {
    long[] out = new long[vcpus];
    for (int cpu = 0; cpu < vcpus; cpu++) {
      out[cpu] = tids[(int) (((long) (vm - 1) * vcpus + cpu) % tids.length)];
    }
    return out;
  }
}
