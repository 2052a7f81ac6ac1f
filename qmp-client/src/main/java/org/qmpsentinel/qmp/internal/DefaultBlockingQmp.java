package org.qmpsentinel.qmp.internal;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.BlockingQmp;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpConnectionClosedException;
import tools.jackson.databind.JsonNode;

/** Waits for each reply and rethrows the client's own exceptions unwrapped. */
final class DefaultBlockingQmp implements BlockingQmp {
  private final QmpConnection connection;

  DefaultBlockingQmp(QmpConnection connection) {
    this.connection = connection;
  }

  @Override
  public <T> T execute(QmpCommand<T> command) {
    return await(connection.execute(command));
  }

  @Override
  public <T> T execute(QmpCommand<T> command, Duration timeout) {
    return await(connection.execute(command, timeout));
  }

  @Override
  public JsonNode execute(String command, @Nullable JsonNode arguments) {
    return await(connection.execute(command, arguments));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      // The command may well have been sent: say so, so that nobody re-sends it blindly.
      throw new QmpConnectionClosedException("interrupted while waiting for a reply", e, true);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(cause);
    }
  }
}
