package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/** A listener that passes every report on; subclasses intercept the ones they care about. */
class ForwardingListener implements SupervisorListener {
  private final SupervisorListener delegate;

  ForwardingListener(SupervisorListener delegate) {
    this.delegate = delegate;
  }

  @Override
  public void onHangEvent(VmSnapshot vm, HangEvent event) {
    delegate.onHangEvent(vm, event);
  }

  @Override
  public void onSnapshot(VmSnapshot snapshot) {
    delegate.onSnapshot(snapshot);
  }

  @Override
  public void onConnectionChange(VmSnapshot vm, boolean connected) {
    delegate.onConnectionChange(vm, connected);
  }

  @Override
  public void onReconnect(VmSnapshot vm) {
    delegate.onReconnect(vm);
  }

  @Override
  public void onCommand(VmSnapshot vm, String command, Duration latency, String outcome) {
    delegate.onCommand(vm, command, latency, outcome);
  }

  @Override
  public void onPoll(VmSnapshot vm, Duration took) {
    delegate.onPoll(vm, took);
  }

  @Override
  public void onBaseline(VmSnapshot vm, BaselineQuality quality) {
    delegate.onBaseline(vm, quality);
  }

  @Override
  public void onIntrusionDecision(VmSnapshot vm, String command, IntrusionDecision decision) {
    delegate.onIntrusionDecision(vm, command, decision);
  }

  @Override
  public void onVanished(String key) {
    delegate.onVanished(key);
  }
}
