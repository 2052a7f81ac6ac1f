package org.qmpsentinel.agent.supervisor;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM's pipeline thread: runs tasks one at a time, in submission order, on a pool shared by all
 * VMs. Everything a VM receives (connection changes, events, replies, poll ticks, operator
 * requests) is a task here, so the VM's state needs neither locks nor {@code volatile}, and its
 * observations reach the detector in the order they were submitted.
 */
final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  /** Tasks run per turn on a pool thread before the VM yields it to the other VMs. */
  private static final int FAIR_SHARE = 64;

  private final Executor pool;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean scheduled;

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      tasks.addLast(task);
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    resubmit();
  }

  private void resubmit() {
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        tasks.clear(); // the agent is shutting down: nothing left to run them on
        scheduled = false;
      }
    }
  }

  private void drain() {
    for (int ran = 0; ; ran++) {
      Runnable next;
      synchronized (this) {
        next = ran < FAIR_SHARE ? tasks.pollFirst() : null;
        if (next == null) {
          if (tasks.isEmpty()) {
            scheduled = false;
            return;
          }
        }
      }
      if (next == null) {
        // A busy VM yields its pool thread after its fair share; the others' tasks run first.
        resubmit();
        return;
      }
      try {
        next.run();
      } catch (RuntimeException e) {
        // One failed task must not stall the VM's pipeline for good.
        log.warn("VM pipeline task failed", e);
      }
    }
  }
}
