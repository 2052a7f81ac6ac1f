package org.qmpsentinel.hang;

import java.time.Duration;
import java.util.List;

/**
 * Tunables of detection and of the intrusion policy. {@link #defaults()} documents the defaults.
 *
 * @param startupSettle after every vCPU was seen running post-reset, STARTUP lasts this much longer
 *     (default 60 s, covering the guest OS's own AP bring-up)
 * @param syncMinInterval minimum time between synchronizing commands in STEADY (default 10 s)
 * @param kickMinInterval minimum time between vCPU-kicking commands such as query-stats (default
 *     500 ms)
 * @param suspectAfter running time after reset with the stuck signature before SUSPECTED (5 s)
 * @param confirmAfter further time before CONFIRMED without register confirmation (10 s)
 * @param fixedQemu version prefixes or package-string substrings of QEMU builds known to carry the
 *     kvm_put_vcpu_events fix; for those STARTUP follows STEADY rules
 * @param monitorTimeoutsToSuspect consecutive command timeouts before MONITOR_UNRESPONSIVE
 */
public record DetectorSettings(
    Duration startupSettle,
    Duration syncMinInterval,
    Duration kickMinInterval,
    Duration suspectAfter,
    Duration confirmAfter,
    List<String> fixedQemu,
    int monitorTimeoutsToSuspect) {

  public DetectorSettings {
    fixedQemu = List.copyOf(fixedQemu);
  }

  public static DetectorSettings defaults() {
    return new DetectorSettings(
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        List.of(),
        3);
  }
}
