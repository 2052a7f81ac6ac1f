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
 * @param baselineGrace a post-RESET baseline read within this long after the RESET is reported
 *     {@link BaselineQuality#TIMELY}, later {@link BaselineQuality#LATE} (default 250 ms). It
 *     measures how promptly the agent took the baseline; it never proves that an AP had not run
 *     yet, because SeaBIOS can reach smp_scan within a few milliseconds of a reset (see the package
 *     documentation, "Boot baselines")
 * @param firmwareStallAfter running time since the boot began, without the boot CPU ever halting,
 *     before BOOT_STALLED_IN_FIRMWARE may be suspected (default 120 s; raised to five times the
 *     longest earlier boot of the VM); confirmed after half as long again
 */
public record DetectorSettings(
    Duration startupSettle,
    Duration syncMinInterval,
    Duration kickMinInterval,
    Duration suspectAfter,
    Duration confirmAfter,
    List<String> fixedQemu,
    int monitorTimeoutsToSuspect,
    Duration baselineGrace,
    Duration firmwareStallAfter) {

  public DetectorSettings {
    fixedQemu = List.copyOf(fixedQemu);
    if (baselineGrace.isNegative()) {
      throw new IllegalArgumentException("baselineGrace must not be negative: " + baselineGrace);
    }
    if (firmwareStallAfter.isNegative() || firmwareStallAfter.isZero()) {
      throw new IllegalArgumentException(
          "firmwareStallAfter must be positive: " + firmwareStallAfter);
    }
  }

  /** These settings with another {@link #firmwareStallAfter()}. */
  public DetectorSettings withFirmwareStallAfter(Duration after) {
    return new DetectorSettings(
        startupSettle,
        syncMinInterval,
        kickMinInterval,
        suspectAfter,
        confirmAfter,
        fixedQemu,
        monitorTimeoutsToSuspect,
        baselineGrace,
        after);
  }

  /** These settings with another {@link #baselineGrace()}. */
  public DetectorSettings withBaselineGrace(Duration grace) {
    return new DetectorSettings(
        startupSettle,
        syncMinInterval,
        kickMinInterval,
        suspectAfter,
        confirmAfter,
        fixedQemu,
        monitorTimeoutsToSuspect,
        grace,
        firmwareStallAfter);
  }

  public static DetectorSettings defaults() {
    return new DetectorSettings(
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        Duration.ofMillis(500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        List.of(),
        3,
        Duration.ofMillis(250),
        Duration.ofSeconds(120));
  }
}
