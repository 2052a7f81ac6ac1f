package org.qmpsentinel.qmp.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The caller's {@code callbackExecutor}, falling back to the client's pool when it rejects a task
 * (typically because its owner shut it down): a rejected completion would otherwise leave a future
 * incomplete forever and throw on the event loop.
 */
record CallbackExecutor(Executor primary, Executor fallback) implements Executor {
  @Override
  public void execute(Runnable task) {
    try {
      primary.execute(task);
    } catch (RejectedExecutionException e) {
      fallback.execute(task);
    }
  }
}
