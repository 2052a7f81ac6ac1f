package org.qmpsentinel.agent;

import java.time.Duration;
import java.util.List;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans supervisor reports out to metrics, alerting and remediation; one failing never stops the
 * rest.
 */
final class CompositeListener implements SupervisorListener {
  private static final Logger log = LoggerFactory.getLogger(CompositeListener.class);
  private final List<SupervisorListener> listeners;

  CompositeListener(List<SupervisorListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(java.util.function.Consumer<SupervisorListener> call) {
    for (SupervisorListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("listener {} failed: {}", l.getClass().getSimpleName(), e.toString());
      }
    }
  }

  @Override
  public void onHangEvent(VmSupervisor vm, HangEvent event) {
    each(l -> l.onHangEvent(vm, event));
  }

  @Override
  public void onSnapshot(VmSupervisor vm, VmSnapshot snapshot) {
    each(l -> l.onSnapshot(vm, snapshot));
  }

  @Override
  public void onConnectionChange(VmSupervisor vm, boolean connected) {
    each(l -> l.onConnectionChange(vm, connected));
  }

  @Override
  public void onReconnect(VmSupervisor vm) {
    each(l -> l.onReconnect(vm));
  }

  @Override
  public void onCommand(VmSupervisor vm, String command, Duration latency, String outcome) {
    each(l -> l.onCommand(vm, command, latency, outcome));
  }

  @Override
  public void onIntrusionDecision(VmSupervisor vm, String command, IntrusionDecision decision) {
    each(l -> l.onIntrusionDecision(vm, command, decision));
  }
}
