package org.qmpsentinel.qmp;

/** States reported by {@link QmpSupervisor}. */
public enum ConnectionState {
  CONNECTING,
  CONNECTED,
  /** Lost or failed; waiting for the next attempt. */
  BACKING_OFF,
  /** {@link QmpSupervisor#close()} was called; terminal. */
  CLOSED
}
