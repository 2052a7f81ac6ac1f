package org.qmpsentinel.agent.supervisor;

import java.util.concurrent.ScheduledExecutorService;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;

/**
 * What all supervisors of one agent share: the QMP client (its event loops), the pool that runs
 * every VM's serial pipeline and its poll timers (never blocked by them), the procfs reader, the
 * clock, and who answers hang events with actions.
 */
public record SupervisorRuntime(
    QmpClient client,
    ScheduledExecutorService scheduler,
    ProcThreads proc,
    Ticker ticker,
    HangResponder responder) {

  /** A runtime without remediation. */
  public SupervisorRuntime(
      QmpClient client, ScheduledExecutorService scheduler, ProcThreads proc, Ticker ticker) {
    this(client, scheduler, proc, ticker, HangResponder.NONE);
  }
}
