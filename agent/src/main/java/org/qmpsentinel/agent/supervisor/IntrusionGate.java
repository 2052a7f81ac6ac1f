package org.qmpsentinel.agent.supervisor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.VmWatch;

/**
 * The one door for every command that kicks or synchronizes vCPUs — the poll's {@code query-stats},
 * the register read that confirms a suspected AP, an operator's HMP command: classify (by the
 * caller, through the VM's policy) → request → report → run → close. The decision is reported
 * whether or not it was allowed, and an allowed decision is always closed, also when the command
 * fails, so the next synchronizing command of the VM may run.
 */
final class IntrusionGate {

  /** Told about every decision. */
  interface Decisions {
    void onDecision(String command, IntrusionDecision decision);
  }

  private final Decisions decisions;

  IntrusionGate(Decisions decisions) {
    this.decisions = decisions;
  }

  <T> CompletableFuture<Gated<T>> pass(
      VmWatch watch, Intrusion intrusion, Supplier<CompletableFuture<T>> command) {
    IntrusionDecision decision = watch.requestIntrusion(intrusion);
    decisions.onDecision(intrusion.command(), decision);
    if (!decision.allowed()) {
      return CompletableFuture.completedFuture(new Gated.Denied<>(decision));
    }
    CompletableFuture<T> sent;
    try {
      sent = command.get();
    } catch (RuntimeException e) {
      decision.close();
      throw e;
    }
    return sent.handle(
        (value, error) -> {
          decision.close();
          if (error != null) {
            throw error instanceof CompletionException ce ? ce : new CompletionException(error);
          }
          return new Gated.Ran<>(decision, value);
        });
  }
}
