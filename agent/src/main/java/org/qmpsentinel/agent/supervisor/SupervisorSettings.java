package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.qmp.Backoff;

/**
 * How a supervisor polls.
 *
 * @param pollInterval time between polls (default 1 s), jittered by {@code jitter} (fraction)
 * @param commandTimeout per-command timeout; repeated timeouts mean MONITOR_UNRESPONSIVE
 * @param cpusRefresh how often query-cpus-fast is re-read besides on connect and RESET
 * @param kvmStats use query-stats (vcpu, kvm) where QEMU supports it
 */
public record SupervisorSettings(
    Duration pollInterval,
    double jitter,
    Duration commandTimeout,
    Duration cpusRefresh,
    boolean kvmStats,
    Backoff backoff,
    DetectorSettings detector) {

  public static SupervisorSettings defaults() {
    return new SupervisorSettings(
        Duration.ofSeconds(1),
        0.1,
        Duration.ofSeconds(2),
        Duration.ofSeconds(30),
        true,
        Backoff.defaults(),
        DetectorSettings.defaults());
  }

  public SupervisorSettings withDetector(DetectorSettings d) {
    return new SupervisorSettings(
        pollInterval, jitter, commandTimeout, cpusRefresh, kvmStats, backoff, d);
  }
}
