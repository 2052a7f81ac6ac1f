package org.qmpsentinel.agent.supervisor;

import org.qmpsentinel.qmp.StatusInfo;

/**
 * What identification learned about the VM on one connection.
 *
 * @param name QEMU's {@code -name}, or the name discovery gave when QEMU has none
 * @param uuid the VM's UUID; empty when QEMU reports none (all zeros)
 * @param qemuVersion QEMU's version from the greeting, e.g. {@code 7.2.0}
 * @param qemuPackage the greeting's package string (distribution build), may be empty
 * @param kvm whether the VM runs under KVM
 * @param kvmStats whether this poller will read {@code query-stats} (KVM, QEMU ≥ 7.1, enabled)
 * @param status the run state at identification
 */
record Identity(
    String name,
    String uuid,
    String qemuVersion,
    String qemuPackage,
    boolean kvm,
    boolean kvmStats,
    StatusInfo status) {

  /** The detector's id: the UUID when QEMU has one, else the name. */
  org.qmpsentinel.hang.VmId vmId() {
    return new org.qmpsentinel.hang.VmId(uuid.isEmpty() ? name : uuid, name, uuid);
  }
}
