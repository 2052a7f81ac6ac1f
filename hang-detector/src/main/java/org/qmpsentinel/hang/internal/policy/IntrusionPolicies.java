package org.qmpsentinel.hang.internal.policy;

import java.util.Optional;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.QemuVersion;

/** Picks the table for a QEMU version; see {@link IntrusionPolicy#forQemu(String)}. */
public final class IntrusionPolicies {
  /** The newest major version a table was read for. */
  static final int NEWEST_READ_MAJOR = 10;

  private IntrusionPolicies() {}

  public static IntrusionPolicy forVersion(Optional<QemuVersion> version) {
    if (version.isEmpty()) {
      return new Qemu72IntrusionPolicy(); // unknown: query-stats kicks, every sync counted
    }
    int major = version.get().major();
    if (major <= 6) {
      return new Qemu62IntrusionPolicy();
    }
    if (major == 7) {
      return new Qemu72IntrusionPolicy();
    }
    if (major <= 9) {
      return new Qemu8To9IntrusionPolicy();
    }
    if (major == NEWEST_READ_MAJOR) {
      return new Qemu10IntrusionPolicy();
    }
    return new Qemu10IntrusionPolicy("qemu-10.x (for " + version.get() + ", newer than any table)");
  }
}
