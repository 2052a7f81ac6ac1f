package org.qmpsentinel.agent.alert;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Phase;

/**
 * Resolves the hangs that ended while the agent was down. A hang reloaded at start (and not
 * replaced by a new event for its VM and kind since) gets a RESOLVED notification when
 *
 * <ul>
 *   <li>its VM is seen connected and in {@link Phase#STEADY} — every vCPU ran and {@code
 *       startup-settle} passed on this run's own polls — without that kind among the VM's active
 *       hangs: "resolved while the agent was down". A VM still stuck never gets there (its APs
 *       never run) and its detector re-raises the hang, which replaces the reloaded one; or
 *   <li>its VM is not seen at all within {@code resolve-unseen-after} of the start: "VM not seen
 *       since the agent restarted" (destroyed while the agent was down).
 * </ul>
 */
final class RestartReconciler {
  static final String RESOLVED_WHILE_DOWN = "resolved while the agent was down";
  static final String NOT_SEEN = "VM not seen since the agent restarted";

  private final ActiveHangs hangs;
  private final Consumer<HangEvent> emit;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private volatile boolean any; // cheap exit on every snapshot once nothing reloaded is left

  RestartReconciler(ActiveHangs hangs, Consumer<HangEvent> emit) {
    this.hangs = hangs;
    this.emit = emit;
  }

  /** After {@link ActiveHangs#reload}. */
  void reloaded() {
    any = !hangs.reloaded().isEmpty();
  }

  void observe(VmSnapshot s) {
    if (!any) {
      return;
    }
    String vmId = s.uuid().isEmpty() ? s.name() : s.uuid(); // as the detector names it
    seen.add(vmId);
    if (s.connected() && s.phase() == Phase.STEADY) {
      reconcile(vmId, s.activeHangs());
    }
  }

  /** Resolves this VM's reloaded hangs that {@code activeNow} (the detector's view) lacks. */
  void reconcile(String vmId, List<HangEvent> activeNow) {
    for (HangKind kind : HangKind.values()) {
      HangEvent h = hangs.reloaded(vmId, kind);
      if (h != null && activeNow.stream().noneMatch(a -> a.kind() == kind)) {
        emit.accept(resolved(h, RESOLVED_WHILE_DOWN));
      }
    }
    reloaded();
  }

  /** Resolves the reloaded hangs of VMs not seen since the start. */
  void resolveUnseen() {
    for (HangEvent h : hangs.reloaded()) {
      if (!seen.contains(h.vm().id())) {
        emit.accept(resolved(h, NOT_SEEN));
      }
    }
    reloaded();
  }

  private static HangEvent resolved(HangEvent h, String reason) {
    return new HangEvent(
        h.vm(),
        h.kind(),
        HangState.RESOLVED,
        new Evidence(h.evidence().confidence(), reason, Map.of()),
        h.since(),
        Instant.now());
  }
}
