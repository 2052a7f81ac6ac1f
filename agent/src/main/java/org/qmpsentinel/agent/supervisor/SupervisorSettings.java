package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.qmp.Backoff;

/**
 * How a supervisor polls.
 *
 * @param pollInterval time between polls while the VM starts (STARTUP, default 1 s), jittered by
 *     {@code jitter} (fraction)
 * @param steadyPollInterval time between polls once the VM is STEADY (default 10 s): run state and
 *     monitor liveness only, lifecycle comes from events
 * @param commandTimeout per-command timeout; repeated timeouts mean MONITOR_UNRESPONSIVE
 * @param cpusRefresh how often query-cpus-fast is re-read besides on connect and RESET
 * @param kvmStats use query-stats (vcpu, kvm) where QEMU supports it
 * @param registers the register sampler
 * @param requestOob negotiate QMP out-of-band execution where QEMU offers it (for the proxy's
 *     clients, with sentinel.proxy.oob; the agent's own commands are all in-band)
 */
public record SupervisorSettings(
    Duration pollInterval,
    Duration steadyPollInterval,
    double jitter,
    Duration commandTimeout,
    Duration cpusRefresh,
    boolean kvmStats,
    Backoff backoff,
    DetectorSettings detector,
    RegisterSettings registers,
    boolean requestOob) {

  public static SupervisorSettings defaults() {
    return new SupervisorSettings(
        Duration.ofSeconds(1),
        Duration.ofSeconds(10),
        0.1,
        Duration.ofSeconds(2),
        Duration.ofSeconds(30),
        true,
        Backoff.defaults(),
        DetectorSettings.defaults(),
        RegisterSettings.defaults(),
        false);
  }

  public SupervisorSettings withDetector(DetectorSettings d) {
    return new SupervisorSettings(
        pollInterval,
        steadyPollInterval,
        jitter,
        commandTimeout,
        cpusRefresh,
        kvmStats,
        backoff,
        d,
        registers,
        requestOob);
  }

  public SupervisorSettings withRegisters(RegisterSettings r) {
    return new SupervisorSettings(
        pollInterval,
        steadyPollInterval,
        jitter,
        commandTimeout,
        cpusRefresh,
        kvmStats,
        backoff,
        detector,
        r,
        requestOob);
  }

  public SupervisorSettings withRequestOob(boolean oob) {
    return new SupervisorSettings(
        pollInterval,
        steadyPollInterval,
        jitter,
        commandTimeout,
        cpusRefresh,
        kvmStats,
        backoff,
        detector,
        registers,
        oob);
  }
}
