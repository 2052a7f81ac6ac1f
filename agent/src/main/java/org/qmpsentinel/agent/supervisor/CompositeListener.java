package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans supervisor reports out to every listener (metrics, alerting, …); one failing never stops the
 * rest.
 */
public final class CompositeListener implements SupervisorListener {
  private static final Logger log = LoggerFactory.getLogger(CompositeListener.class);
  private final List<SupervisorListener> listeners;

  public CompositeListener(List<? extends SupervisorListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(Consumer<SupervisorListener> call) {
    for (SupervisorListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
      }
    }
  }

  @Override
  public void onHangEvent(VmSnapshot vm, HangEvent event) {
    each(l -> l.onHangEvent(vm, event));
  }

  @Override
  public void onSnapshot(VmSnapshot snapshot) {
    each(l -> l.onSnapshot(snapshot));
  }

  @Override
  public void onConnectionChange(VmSnapshot vm, boolean connected) {
    each(l -> l.onConnectionChange(vm, connected));
  }

  @Override
  public void onReconnect(VmSnapshot vm) {
    each(l -> l.onReconnect(vm));
  }

  @Override
  public void onCommand(VmSnapshot vm, String command, Duration latency, String outcome) {
    each(l -> l.onCommand(vm, command, latency, outcome));
  }

  @Override
  public void onPoll(VmSnapshot vm, Duration took) {
    each(l -> l.onPoll(vm, took));
  }

  @Override
  public void onBaseline(VmSnapshot vm, BaselineQuality quality) {
    each(l -> l.onBaseline(vm, quality));
  }

  @Override
  public void onIntrusionDecision(VmSnapshot vm, String command, IntrusionDecision decision) {
    each(l -> l.onIntrusionDecision(vm, command, decision));
  }

  @Override
  public void onVanished(String key) {
    each(l -> l.onVanished(key));
  }
}
