package org.qmpsentinel.agent.supervisor;

/** Something a {@link HangResponder} asks a VM's supervisor to do, on the VM's own pipeline. */
public sealed interface VmAction {

  /** {@code system_reset}: a fresh boot re-sends INIT/SIPI to every AP. */
  record SystemReset(String why) implements VmAction {}
}
