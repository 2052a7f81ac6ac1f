package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpConnection;

/**
 * Sends one VM's commands and reports how each ended. The connection completes replies on the VM's
 * serial executor (its callback executor), so the report and whatever the caller chains onto the
 * returned future (without {@code Async}) run confined to the VM, in the order replies arrived.
 */
final class CommandRunner {

  /** Told about every command: its name, latency and failure ({@code null} when it succeeded). */
  interface Outcomes {
    void onCommand(String command, Duration latency, @Nullable Throwable failure);
  }

  private final Ticker ticker;
  private final Outcomes outcomes;

  CommandRunner(Ticker ticker, Outcomes outcomes) {
    this.ticker = ticker;
    this.outcomes = outcomes;
  }

  <T> CompletableFuture<T> run(QmpConnection c, QmpCommand<T> command) {
    long start = ticker.nanos();
    return c.execute(command)
        .whenComplete(
            (r, error) ->
                outcomes.onCommand(
                    command.name(),
                    Duration.ofNanos(ticker.nanos() - start),
                    error == null ? null : rootCause(error)));
  }

  static Throwable rootCause(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
