package org.qmpsentinel.qmp;

import java.util.Locale;

/** QEMU's run states as {@code query-status} reports them ({@code qapi/run-state.json}). */
public enum RunState {
  DEBUG,
  INMIGRATE,
  INTERNAL_ERROR,
  IO_ERROR,
  PAUSED,
  POSTMIGRATE,
  PRELAUNCH,
  FINISH_MIGRATE,
  RESTORE_VM,
  RUNNING,
  SAVE_VM,
  SHUTDOWN,
  SUSPENDED,
  WATCHDOG,
  GUEST_PANICKED,
  COLO,
  /** A state this client does not know yet (newer QEMU); never an error. */
  UNKNOWN;

  /** Maps QMP's spelling ({@code "internal-error"}) to the constant; unknown text gives UNKNOWN. */
  public static RunState fromQmp(String text) {
    try {
      return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      return UNKNOWN;
    }
  }

  public String qmpName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
