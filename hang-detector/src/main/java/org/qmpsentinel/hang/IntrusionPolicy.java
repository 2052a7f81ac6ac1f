package org.qmpsentinel.hang;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Classifies monitor commands by how they disturb vCPUs. The table is derived from QEMU 7.2's
 * source; see the implementation for the code path behind each entry. Unknown HMP commands are
 * {@link IntrusionLevel#SYNCS_ALL_VCPUS} (fail safe).
 */
public interface IntrusionPolicy {

  static IntrusionPolicy qemu72() {
    return new org.qmpsentinel.hang.internal.policy.Qemu72IntrusionPolicy();
  }

  /**
   * Classifies a QMP command; {@code human-monitor-command} is classified by its {@code
   * command-line} and {@code cpu-index} arguments.
   */
  Intrusion classifyQmp(String command, Map<String, Object> arguments);

  /** Classifies an HMP command line run with the given current CPU (empty: the default, CPU 0). */
  Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex);
}
