package org.qmpsentinel.qmp;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Typed commands the agent uses. Each returns an immutable {@link QmpCommand} whose reply decoder
 * maps QMP's JSON to a record. See {@code qapi/*.json} in QEMU for the wire forms.
 */
public final class QmpCommands {
  private QmpCommands() {}

  public static QmpCommand<QmpVersion> queryVersion() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<StatusInfo> queryStatus() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  /** The VM's {@code -name}; empty when none was given. */
  public static QmpCommand<Optional<String>> queryName() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  /** The VM's UUID; QEMU reports all zeros when none was given. */
  public static QmpCommand<String> queryUuid() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<KvmInfo> queryKvm() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<List<CpuInfoFast>> queryCpusFast() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  /**
   * {@code query-stats} with target {@code vcpu} and provider {@code kvm} (QEMU >= 7.1). It
   * interrupts each vCPU's KVM_RUN to read its stats fd but does not synchronize register state.
   */
  public static QmpCommand<List<VcpuStats>> queryVcpuStats() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Set<String>> queryCommands() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<JsonNode> queryQmpSchema() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  /**
   * HMP passthrough. Many HMP commands synchronize vCPU state: gate them through the intrusion
   * policy. {@code cpuIndex} selects the monitor's current CPU for this command.
   */
  public static QmpCommand<String> humanMonitorCommand(String commandLine, OptionalInt cpuIndex) {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Void> cont() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Void> stop() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Void> systemReset() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Void> injectNmi() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }

  public static QmpCommand<Void> quit() {
    throw new UnsupportedOperationException("implemented in issue 2");
  }
}
