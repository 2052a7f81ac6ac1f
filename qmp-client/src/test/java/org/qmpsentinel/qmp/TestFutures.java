package org.qmpsentinel.qmp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting for futures in tests, with a deadline so that a hang fails instead of blocking. */
public final class TestFutures {
  private TestFutures() {}

  /** The exception {@code f} fails with within 5 s; an {@link AssertionError} otherwise. */
  public static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("expected a failure, got " + e, e);
    }
    throw new AssertionError("expected a failure, got a value");
  }
}
