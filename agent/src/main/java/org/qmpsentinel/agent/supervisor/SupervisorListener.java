package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionDecision;

/**
 * What supervisors report, downstream: metrics, alerting, the fixture's probes. Each report names
 * the VM by its latest snapshot — data, not the supervisor — so a listener cannot reach back into
 * the pipeline. Called on the VM's pipeline thread; implementations must be quick and must not
 * block.
 */
public interface SupervisorListener {
  default void onHangEvent(VmSnapshot vm, HangEvent event) {}

  default void onSnapshot(VmSnapshot snapshot) {}

  default void onConnectionChange(VmSnapshot vm, boolean connected) {}

  default void onReconnect(VmSnapshot vm) {}

  /** Each QMP command: name, latency, and outcome ("ok", "error", "timeout"). */
  default void onCommand(VmSnapshot vm, String command, Duration latency, String outcome) {}

  /** Each completed poll and how long it took from sending to the last reply. */
  default void onPoll(VmSnapshot vm, Duration took) {}

  /** A boot's counter baseline was read (or, for a first boot, taken as zero). */
  default void onBaseline(VmSnapshot vm, BaselineQuality quality) {}

  default void onIntrusionDecision(VmSnapshot vm, String command, IntrusionDecision decision) {}

  /** The VM is no longer watched (discovery lost it); called once, after its last report. */
  default void onVanished(String key) {}

  SupervisorListener NONE = new SupervisorListener() {};
}
