package org.qmpsentinel.sim;

/** The script one simulated VM follows, chosen on the command line. */
enum Behavior {
  /** Booted long before the simulator started: every vCPU's exits and halt_exits grow. */
  HEALTHY,
  /** Boots when the simulator starts (APs idle for the AP delay, then run); then healthy. */
  BOOTING,
  /** Every boot has the stuck signature; restarted now and then to measure detection time. */
  STUCK,
  /** Healthy, but every reply comes late (a monitor blocked behind a slow main loop). */
  SLOW,
  /** Accepts connections and never greets (a QEMU whose main loop is wedged). */
  SILENT;

  /** Whether the steady reboot stream may pick this VM. */
  boolean rebootable() {
    return this == HEALTHY || this == BOOTING;
  }
}
