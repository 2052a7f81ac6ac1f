package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.Observation.CommandOutcome;
import org.qmpsentinel.hang.Observation.CommandOutcome.Outcome;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells downstream what one VM's pipeline learned: hang events (logged, to the listener, and to the
 * responder, whose action it runs on the pipeline), command outcomes (to the listener and, as
 * liveness evidence, to the detector). Confined to the VM's executor.
 */
final class Reporter {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);

  private static final String LIVENESS_PROBE = "query-status";

  private final VmState state;
  private final SupervisorListener listener;
  private final HangResponder responder;
  private final SnapshotPublisher publisher;
  private final ProcThreads proc;
  private final Ticker ticker;
  private @Nullable CommandRunner runner;

  Reporter(
      VmState state,
      SupervisorListener listener,
      HangResponder responder,
      SnapshotPublisher publisher,
      ProcThreads proc,
      Ticker ticker) {
    this.state = state;
    this.listener = listener;
    this.responder = responder;
    this.publisher = publisher;
    this.proc = proc;
    this.ticker = ticker;
  }

  /** The runner reports to this reporter, and runs the responder's actions for it. */
  void runActionsWith(CommandRunner commands) {
    this.runner = commands;
  }

  VmSnapshot snapshot() {
    return publisher.latest();
  }

  void emit(List<HangEvent> events) {
    for (HangEvent e : events) {
      log.info("{}: {} {} — {}", e.vm().name(), e.kind(), e.state(), e.evidence().summary());
      listener.onHangEvent(snapshot(), e);
      responder.respond(snapshot(), e).ifPresent(this::perform);
    }
    if (!events.isEmpty()) {
      publisher.publish(state);
    }
  }

  /**
   * Every command goes to the listener; {@code query-status} — one per poll and one per
   * identification — also to the detector, as evidence of a live or stuck monitor. Counting every
   * command would let one overloaded moment, whose pipelined commands all time out together, look
   * like several unanswered polls in a row.
   */
  void onCommand(String command, Duration latency, @Nullable Throwable failure) {
    boolean timeout = failure instanceof QmpTimeoutException;
    listener.onCommand(
        snapshot(), command, latency, failure == null ? "ok" : timeout ? "timeout" : "error");
    if (LIVENESS_PROBE.equals(command) && (failure == null || timeout)) {
      outcome(command, timeout ? Outcome.TIMEOUT : Outcome.OK);
    }
  }

  /** Feeds one command outcome to the detector; a timeout counts only while QEMU lives. */
  void outcome(String command, Outcome outcome) {
    boolean alive = outcome != Outcome.TIMEOUT || alive();
    emit(state.watch.observe(new CommandOutcome(ticker.nanos(), command, outcome, alive)));
  }

  /** Whether the VM's QEMU process still exists; assumed when its pid is unknown. */
  private boolean alive() {
    return state.pid <= 0 || proc.processAlive(state.pid);
  }

  /** Runs a responder's action on this VM's pipeline and reports how it ended. */
  private void perform(VmAction action) {
    QmpConnection c = state.identified;
    CommandRunner commands = runner;
    if (c == null || commands == null) {
      responder.onOutcome(snapshot(), action, new IllegalStateException("not connected"));
      return;
    }
    if (action instanceof VmAction.SystemReset) {
      commands
          .run(c, QmpCommands.systemReset())
          .whenComplete(
              (ok, error) ->
                  responder.onOutcome(
                      snapshot(), action, error == null ? null : CommandRunner.rootCause(error)));
    }
  }
}
