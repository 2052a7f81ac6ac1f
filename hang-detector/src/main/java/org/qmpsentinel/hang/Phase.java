package org.qmpsentinel.hang;

/** Where a VM is in its boot, for the intrusion policy. */
public enum Phase {
  /**
   * From process start or a RESET until every vCPU has been seen running after it and the settle
   * period has passed: APs may be between INIT and SIPI, so nothing may synchronize an AP.
   */
  STARTUP,
  /** Booted: synchronizing commands are allowed one at a time, rate-limited. */
  STEADY
}
