package org.qmpsentinel.hang;

import java.util.Map;
import java.util.OptionalInt;

/**
 * Classifies monitor commands by how they disturb vCPUs. Each table is derived from one QEMU
 * version range's source; see the implementations for the code path behind each entry. Unknown
 * commands are {@link IntrusionLevel#SYNCS_ALL_VCPUS} (fail safe).
 */
public interface IntrusionPolicy {

  /** QEMU 7.0 to 7.2 (read from 7.2's source). */
  static IntrusionPolicy qemu72() {
    return new org.qmpsentinel.hang.internal.policy.Qemu72IntrusionPolicy();
  }

  /**
   * The policy for the QEMU version the QMP greeting reported: 6.x and older, 7.x, 8.x–9.x, 10.x; a
   * newer version than any table gets the newest table (its unknown commands are SYNCS_ALL); an
   * unparsable version gets the most conservative table that still lets the agent poll (7.x).
   */
  static IntrusionPolicy forQemu(String greetingVersion) {
    return org.qmpsentinel.hang.internal.policy.IntrusionPolicies.forVersion(
        QemuVersion.parse(greetingVersion));
  }

  /** Which table this is, e.g. {@code qemu-7.x}, for logs and the API. */
  String name();

  /**
   * Classifies a QMP command; {@code human-monitor-command} is classified by its {@code
   * command-line} and {@code cpu-index} arguments.
   */
  Intrusion classifyQmp(String command, Map<String, Object> arguments);

  /** Classifies an HMP command line run with the given current CPU (empty: the default, CPU 0). */
  Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex);
}
