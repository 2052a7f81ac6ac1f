package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/** What a supervisor reports. Called on QMP callback threads; implementations must be quick. */
public interface SupervisorListener {
  default void onHangEvent(VmSupervisor vm, HangEvent event) {}

  default void onSnapshot(VmSupervisor vm, VmSnapshot snapshot) {}

  default void onConnectionChange(VmSupervisor vm, boolean connected) {}

  default void onReconnect(VmSupervisor vm) {}

  /** Each QMP command: name, latency, and outcome ("ok", "error", "timeout"). */
  default void onCommand(VmSupervisor vm, String command, Duration latency, String outcome) {}

  default void onIntrusionDecision(VmSupervisor vm, String command, IntrusionDecision decision) {}

  SupervisorListener NONE = new SupervisorListener() {};
}
