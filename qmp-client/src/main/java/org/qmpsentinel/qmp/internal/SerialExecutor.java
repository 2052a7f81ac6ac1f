package org.qmpsentinel.qmp.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** Runs tasks one at a time, in submission order, on a shared executor. */
final class SerialExecutor implements Executor {
  private final Executor delegate;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean running;

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      tasks.addLast(task);
      if (running) {
        return;
      }
      running = true;
    }
    delegate.execute(this::runAll);
  }

  private void runAll() {
    while (true) {
      Runnable next;
      synchronized (this) {
        next = tasks.pollFirst();
        if (next == null) {
          running = false;
          return;
        }
      }
      next.run();
    }
  }
}
