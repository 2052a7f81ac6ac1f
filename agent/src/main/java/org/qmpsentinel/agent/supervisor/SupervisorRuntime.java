package org.qmpsentinel.agent.supervisor;

import java.util.concurrent.ScheduledExecutorService;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.qmp.QmpClient;

/**
 * What all supervisors of one agent share: the QMP client (its event loops), the scheduler that
 * starts polls (never blocked by them), the procfs reader and the clock.
 */
public record SupervisorRuntime(
    QmpClient client, ScheduledExecutorService scheduler, ProcThreads proc, Ticker ticker) {}
