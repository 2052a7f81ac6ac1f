package org.qmpsentinel.hang;

/**
 * How the current boot's per-vCPU baseline was obtained: what "has this AP run since the boot
 * began?" is measured against. Report it (metric, API, log): a boot that is not {@link #TIMELY} or
 * {@link #ABSOLUTE} is watched with less certainty, and {@link #PENDING} means not at all yet.
 */
public enum BaselineQuality {
  /**
   * No usable baseline yet: a RESET (or the watch's creation) was seen, and no poll since carried
   * KVM counters for every vCPU. APs are not judged. Poll at once: {@link
   * VmWatch#awaitingBaseline()} is true and the vCPU-stats read is admitted past the kick rate
   * limit.
   */
  PENDING,
  /**
   * KVM counters read within {@link DetectorSettings#baselineGrace()} of the RESET. An AP is judged
   * from counters when they prove it had not run since the RESET (see {@link #LATE}); the others
   * need a register read first, as with a late baseline.
   */
  TIMELY,
  /**
   * KVM counters read later than {@code baselineGrace} after the RESET (the first post-reset polls
   * had none, or none came). APs whose {@code exits} did not move between the last sample before
   * the RESET and the baseline are judged exactly as with a timely one; the others are ambiguous
   * (the firmware may have woken and parked them already) and are only ever reported after their
   * registers show the reset vector.
   */
  LATE,
  /**
   * No RESET seen since the watch began (or the QEMU process was replaced): counters are compared
   * with zero, their value at vCPU creation — exact for a process that was never reset.
   */
  ABSOLUTE
}
