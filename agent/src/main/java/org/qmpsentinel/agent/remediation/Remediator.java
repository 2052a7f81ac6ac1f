package org.qmpsentinel.agent.remediation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.supervisor.HangResponder;
import org.qmpsentinel.agent.supervisor.VmAction;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a CONFIRMED AP_STUCK_IN_RESET, asks for a reset of the VM (a fresh boot re-sends INIT/SIPI),
 * at most {@code maxPerHour} times per VM so a VM that hangs on every boot is not reset forever. It
 * only decides: the VM's supervisor runs the reset on the VM's pipeline and reports back.
 */
public final class Remediator implements HangResponder, MeterBinder {
  private static final Logger log = LoggerFactory.getLogger(Remediator.class);

  private static final String[] OUTCOMES = {"reset", "failed", "rate_limited"};

  private final boolean enabled;
  private final int maxPerHour;
  private final Map<String, Deque<Instant>> history = new ConcurrentHashMap<>();
  private volatile MeterRegistry meters = new SimpleMeterRegistry(); // until Boot binds one

  public Remediator(boolean enabled, int maxPerHour) {
    this.enabled = enabled;
    this.maxPerHour = maxPerHour;
  }

  /**
   * Every outcome's counter at 0 from the start (agent-wide: which VM was reset is in the log and
   * the VM's hang events; a per-VM counter would add three series per VM for a rare event).
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    meters = registry;
    for (String outcome : OUTCOMES) {
      counter(registry, outcome);
    }
  }

  @Override
  public Optional<VmAction> respond(VmSnapshot vm, HangEvent event) {
    if (!enabled
        || event.kind() != HangKind.AP_STUCK_IN_RESET
        || event.state() != HangState.CONFIRMED) {
      return Optional.empty();
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
            vm.name(),
            resets.size());
        count("rate_limited");
        return Optional.empty();
      }
      resets.addLast(now);
    }
    log.warn("{}: stuck at boot (APs at the reset vector): issuing system_reset", vm.name());
    return Optional.of(new VmAction.SystemReset("AP_STUCK_IN_RESET confirmed"));
  }

  @Override
  public void onOutcome(VmSnapshot vm, VmAction action, @Nullable Throwable failure) {
    count(failure == null ? "reset" : "failed");
    if (failure != null) {
      log.error("{}: system_reset failed: {}", vm.name(), failure.toString());
    }
  }

  private void count(String outcome) {
    counter(meters, outcome).increment();
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("qmp.sentinel.remediations")
        .description("system_reset decisions of remediation, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }
}
