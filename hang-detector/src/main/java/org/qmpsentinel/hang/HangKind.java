package org.qmpsentinel.hang;

/** What kind of hang a detector reports. */
public enum HangKind {
  /** APs never left the reset vector (lost INIT) while the BSP spins in firmware. */
  AP_STUCK_IN_RESET,
  /** QMP commands time out while the QEMU process still exists. */
  MONITOR_UNRESPONSIVE,
  /** internal-error, io-error, guest-panicked, or shutdown without a restart. */
  UNEXPECTED_PAUSE
}
