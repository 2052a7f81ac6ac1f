package org.qmpsentinel.agent.supervisor;

import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.HangEvent;

/**
 * Consulted on every hang state change; may answer with an action (remediation). The supervisor
 * runs the action itself, as one more task of the VM's pipeline, and reports how it went — so the
 * responder never calls into a supervisor, and never from inside a callback.
 */
public interface HangResponder {

  Optional<VmAction> respond(VmSnapshot vm, HangEvent event);

  /** How the action ended: {@code failure} is {@code null} when QEMU accepted it. */
  default void onOutcome(VmSnapshot vm, VmAction action, @Nullable Throwable failure) {}

  HangResponder NONE = (vm, event) -> Optional.empty();
}
