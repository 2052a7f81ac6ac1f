package org.qmpsentinel.sim;

/**
 * KVM's per-vCPU {@code exits} and {@code halt_exits} as functions of guest time since the boot
 * began, so that nothing runs per VM between queries. The shapes follow what the detector reads
 * (see hang-detector's ApStuckInResetDetector) and what QEMU 7.2 with SeaBIOS showed in the
 * capture: while the firmware waits for the APs the BSP exits ~1,600 times a second and never
 * halts; a woken AP and an idle guest exit a few hundred times a second, mostly halts.
 *
 * @param spinExitsPerSecond BSP exits while it spins in the firmware
 * @param idleExitsPerSecond exits of a running, mostly idle vCPU
 * @param idleHaltsPerSecond halt_exits of that vCPU
 * @param apDelayNanos in a normal boot, how long the APs stay at the reset vector
 */
record CounterModel(
    long spinExitsPerSecond, long idleExitsPerSecond, long idleHaltsPerSecond, long apDelayNanos) {
  private static final long NANOS = 1_000_000_000L;

  /** Rates of VM number {@code index}, varied by up to ±20% so VMs don't move in lockstep. */
  static CounterModel forVm(int index, long apDelayNanos) {
    long percent = 80 + (index * 37L) % 41;
    return new CounterModel(
        1600 * percent / 100, 250 * percent / 100, 200 * percent / 100, apDelayNanos);
  }

  /** Exits of vCPU {@code cpu} (0 is the BSP) {@code sinceBoot} ns into a boot of {@code kind}. */
  long exits(BootKind kind, int cpu, long sinceBoot) {
    long idle = idleNanos(kind, sinceBoot);
    long exits = scale(idle, idleExitsPerSecond);
    if (cpu == 0) {
      long spin = kind == BootKind.STUCK ? sinceBoot : Math.min(sinceBoot, apDelayNanos);
      exits += scale(spin, spinExitsPerSecond);
    }
    return exits;
  }

  /** halt_exits, likewise: the BSP never halts while it spins; a stuck AP never runs at all. */
  long haltExits(BootKind kind, int cpu, long sinceBoot) {
    return scale(idleNanos(kind, sinceBoot), idleHaltsPerSecond);
  }

  /** Whether vCPU {@code cpu} is still at the reset vector (an AP not yet, or never, woken). */
  boolean atResetVector(BootKind kind, int cpu, long sinceBoot) {
    return cpu != 0 && idleNanos(kind, sinceBoot) == 0;
  }

  private long idleNanos(BootKind kind, long sinceBoot) {
    return kind == BootKind.STUCK ? 0 : Math.max(0, sinceBoot - apDelayNanos);
  }

  private static long scale(long nanos, long perSecond) {
    // Split to avoid overflow for VMs "up" for years: nanos * perSecond could exceed 2^63.
    return nanos / NANOS * perSecond + nanos % NANOS * perSecond / NANOS;
  }
}
