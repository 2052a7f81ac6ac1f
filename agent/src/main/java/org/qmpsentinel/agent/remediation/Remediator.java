package org.qmpsentinel.agent.remediation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.qmpsentinel.agent.metrics.SentinelMetrics;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a CONFIRMED AP_STUCK_IN_RESET, resets the VM (a fresh boot re-sends INIT/SIPI), at most {@code
 * maxPerHour} times per VM so a VM that hangs on every boot is not reset forever.
 */
public final class Remediator implements SupervisorListener {
  private static final Logger log = LoggerFactory.getLogger(Remediator.class);

  private final boolean enabled;
  private final int maxPerHour;
  private final SentinelMetrics metrics;
  private final Map<String, Deque<Instant>> history = new ConcurrentHashMap<>();

  public Remediator(boolean enabled, int maxPerHour, SentinelMetrics metrics) {
    this.enabled = enabled;
    this.maxPerHour = maxPerHour;
    this.metrics = metrics;
  }

  @Override
  public void onHangEvent(VmSupervisor vm, HangEvent event) {
    if (!enabled
        || event.kind() != HangKind.AP_STUCK_IN_RESET
        || event.state() != HangState.CONFIRMED) {
      return;
    }
    Instant now = Instant.now();
    Deque<Instant> resets = history.computeIfAbsent(vm.key(), k -> new ArrayDeque<>());
    synchronized (resets) {
      while (!resets.isEmpty() && resets.peekFirst().isBefore(now.minus(Duration.ofHours(1)))) {
        resets.pollFirst();
      }
      if (resets.size() >= maxPerHour) {
        log.warn(
            "{}: stuck at boot, but {} resets this hour already: not resetting",
            event.vm().name(),
            resets.size());
        metrics.remediation(vm, "rate_limited");
        return;
      }
      resets.addLast(now);
    }
    log.warn(
        "{}: stuck at boot (APs at the reset vector): issuing system_reset", event.vm().name());
    vm.requestReset()
        .whenComplete(
            (ok, error) -> {
              metrics.remediation(vm, error == null ? "reset" : "failed");
              if (error != null) {
                log.error("{}: system_reset failed: {}", event.vm().name(), error.toString());
              }
            });
  }
}
