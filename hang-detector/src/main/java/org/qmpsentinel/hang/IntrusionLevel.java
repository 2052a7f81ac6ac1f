package org.qmpsentinel.hang;

/** How much a monitor command disturbs running vCPUs. Ordered from harmless to worst. */
public enum IntrusionLevel {
  /** Reads QEMU-side state only; vCPUs keep running undisturbed. */
  NON_INTRUSIVE,
  /** Interrupts KVM_RUN via run_on_cpu but does not read or write back register state. */
  KICKS_VCPUS,
  /** Synchronizes one vCPU's state (get, then write back before it re-enters the guest). */
  SYNCS_ONE_VCPU,
  /** Synchronizes every vCPU's state. */
  SYNCS_ALL_VCPUS
}
