package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpConnection;

/**
 * Sends one VM's commands and reports how each ended. The returned futures complete on the VM's
 * serial executor, after the report, so whatever the caller chains onto them (without {@code
 * Async}) runs confined to the VM like every other input.
 */
final class CommandRunner {

  /** Told about every command: its name, latency and failure ({@code null} when it succeeded). */
  interface Outcomes {
    void onCommand(String command, Duration latency, @Nullable Throwable failure);
  }

  private final Executor vmExecutor;
  private final Ticker ticker;
  private final Outcomes outcomes;

  CommandRunner(Executor vmExecutor, Ticker ticker, Outcomes outcomes) {
    this.vmExecutor = vmExecutor;
    this.ticker = ticker;
    this.outcomes = outcomes;
  }

  <T> CompletableFuture<T> run(QmpConnection c, QmpCommand<T> command) {
    long start = ticker.nanos();
    return c.execute(command)
        .whenCompleteAsync(
            (r, error) ->
                outcomes.onCommand(
                    command.name(),
                    Duration.ofNanos(ticker.nanos() - start),
                    error == null ? null : rootCause(error)),
            vmExecutor);
  }

  static Throwable rootCause(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
