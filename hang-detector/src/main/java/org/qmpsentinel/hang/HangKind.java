package org.qmpsentinel.hang;

/** What kind of hang a detector reports. */
public enum HangKind {
  /** APs never left the reset vector (lost INIT) while the BSP spins in firmware. */
  AP_STUCK_IN_RESET,
  /**
   * The boot CPU has not halted since the boot began, for far longer than a boot takes, while its
   * sampled registers stay in firmware and every AP has run (OVMF's WaitApWakeup pattern).
   */
  BOOT_STALLED_IN_FIRMWARE,
  /** QMP commands time out while the QEMU process still exists. */
  MONITOR_UNRESPONSIVE,
  /** internal-error, io-error, guest-panicked, or shutdown without a restart. */
  UNEXPECTED_PAUSE
}
