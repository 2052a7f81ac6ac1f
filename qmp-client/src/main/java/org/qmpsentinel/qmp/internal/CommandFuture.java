package org.qmpsentinel.qmp.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpProtocolException;
import org.qmpsentinel.qmp.internal.protocol.ReplyHandler;
import tools.jackson.databind.JsonNode;

/**
 * The caller's future of one command, and the session's handler of its reply: the event loop passes
 * the outcome straight to the callback executor, where the reply is decoded and the future
 * completed — one object and one hand-off per command, no intermediate raw future.
 */
final class CommandFuture<T> extends CompletableFuture<T> implements ReplyHandler {
  private final QmpCommand<T> command;
  private final Executor executor;
  private final Runnable onCancel;

  /**
   * @param onCancel tells the session to forget the command (it runs on the caller's thread and
   *     must hand itself to the event loop)
   */
  CommandFuture(QmpCommand<T> command, Executor executor, Runnable onCancel) {
    this.command = command;
    this.executor = executor;
    this.onCancel = onCancel;
  }

  @Override
  public void onReturn(@Nullable JsonNode value) {
    executor.execute(() -> decode(value));
  }

  @Override
  public void onFailure(QmpException error) {
    executor.execute(() -> completeExceptionally(error));
  }

  private void decode(@Nullable JsonNode value) {
    if (isDone()) {
      return; // cancelled by the caller meanwhile: don't spend time decoding
    }
    try {
      // A reply always carries "return"; a peer that left it out gets the decoders' "missing".
      complete(
          command
              .replyDecoder()
              .apply(value == null ? tools.jackson.databind.node.NullNode.getInstance() : value));
    } catch (RuntimeException e) {
      completeExceptionally(
          new QmpProtocolException("unexpected reply to " + command.name() + ": " + e, e));
    }
  }

  /** Cancelling forgets the command, so its late reply is discarded (and counted). */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      onCancel.run();
    }
    return cancelled;
  }
}
