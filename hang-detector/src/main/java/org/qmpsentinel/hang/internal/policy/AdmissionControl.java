package org.qmpsentinel.hang.internal.policy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.LongSupplier;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.Phase;

/**
 * Per-VM admission of classified commands: the phase rules, one synchronizing command at a time,
 * and the rate limits. Decision codes (bounded, used as metric labels): allowed — {@code
 * non_intrusive}, {@code kick}, {@code baseline}, {@code bsp_only}, {@code confirmation_read},
 * {@code steady}, {@code fixed_qemu}; denied — {@code startup_ap_sync} (also in STEADY for a vCPU
 * that appeared after boot and has not run yet), {@code rate_limited}, {@code busy}.
 *
 * <p>{@code baseline}: while the boot awaits its baseline, a read of the per-vCPU stats ({@code
 * query-stats}, HMP {@code info stats vcpu}) is admitted whatever the kick rate limit says — it
 * kicks vCPUs but never synchronizes them, and a baseline taken later costs certainty (see {@code
 * VcpuLedger}). It still counts as a kick for the limit. Other kicking commands ({@code stop},
 * NMIs) get no such exemption: they cannot establish a baseline.
 */
public final class AdmissionControl {
  private final Duration syncMinInterval;
  private final Duration kickMinInterval;
  private final LongSupplier clock;
  private final Object lock;
  private boolean syncInFlight;
  private long lastSyncEndNanos = Long.MIN_VALUE;
  private long lastKickNanos = Long.MIN_VALUE;

  public AdmissionControl(
      Duration syncMinInterval, Duration kickMinInterval, LongSupplier clock, Object lock) {
    this.syncMinInterval = syncMinInterval;
    this.kickMinInterval = kickMinInterval;
    this.clock = clock;
    this.lock = lock;
  }

  /** Caller holds {@code lock}. */
  public IntrusionDecision decide(
      Intrusion intrusion,
      Phase phase,
      boolean fixedQemu,
      OptionalInt confirmationTarget,
      boolean baselinePending,
      Set<Integer> startingVcpus) {
    long now = clock.getAsLong();
    IntrusionLevel level = intrusion.level();
    if (level == IntrusionLevel.NON_INTRUSIVE) {
      return IntrusionDecision.allow("non_intrusive", intrusion.why(), () -> {});
    }
    if (level == IntrusionLevel.KICKS_VCPUS) {
      if (baselinePending && readsVcpuStats(intrusion)) {
        lastKickNanos = now;
        return IntrusionDecision.allow(
            "baseline", "the boot's baseline read; " + intrusion.why(), () -> {});
      }
      if (lastKickNanos != Long.MIN_VALUE && now - lastKickNanos < kickMinInterval.toNanos()) {
        return IntrusionDecision.deny(
            "rate_limited",
            intrusion.command()
                + " kicks vCPUs; at most one per "
                + kickMinInterval.toMillis()
                + " ms");
      }
      lastKickNanos = now;
      return IntrusionDecision.allow("kick", intrusion.why(), () -> {});
    }
    String code;
    if (phase == Phase.STEADY && !fixedQemu && touchesStarting(intrusion, startingVcpus)) {
      // A hot-plugged vCPU is in STARTUP until it has run: the guest may be between its INIT and
      // SIPI, exactly what a boot's AP is.
      return IntrusionDecision.deny(
          "startup_ap_sync",
          "'"
              + intrusion.command()
              + "' would synchronize a vCPU that appeared after boot and has not run yet "
              + startingVcpus);
    }
    if (phase == Phase.STEADY) {
      code = "steady";
    } else if (fixedQemu) {
      code = "fixed_qemu";
    } else if (level == IntrusionLevel.SYNCS_ONE_VCPU
        && intrusion.vcpu().equals(OptionalInt.of(0))) {
      code = "bsp_only"; // syncing the BSP cannot clobber an AP's pending INIT
    } else if (level == IntrusionLevel.SYNCS_ONE_VCPU
        && intrusion.vcpu().isPresent()
        && intrusion.vcpu().equals(confirmationTarget)) {
      code = "confirmation_read"; // that AP's INIT is already lost
    } else {
      String target =
          level == IntrusionLevel.SYNCS_ALL_VCPUS
              ? "every vCPU"
              : intrusion.vcpu().isPresent() ? "vCPU " + intrusion.vcpu().getAsInt() : "an AP";
      return IntrusionDecision.deny(
          "startup_ap_sync",
          "'"
              + intrusion.command()
              + "' would synchronize "
              + target
              + " while the VM is in STARTUP (APs may be between INIT and SIPI)");
    }
    if (syncInFlight) {
      return IntrusionDecision.deny("busy", "another synchronizing command is running on this VM");
    }
    if (lastSyncEndNanos != Long.MIN_VALUE && now - lastSyncEndNanos < syncMinInterval.toNanos()) {
      return IntrusionDecision.deny(
          "rate_limited",
          "synchronizing commands are limited to one per " + syncMinInterval.toSeconds() + " s");
    }
    syncInFlight = true;
    boolean[] released = new boolean[1];
    return IntrusionDecision.allow(
        code,
        intrusion.why(),
        () -> {
          synchronized (lock) {
            if (!released[0]) {
              released[0] = true;
              syncInFlight = false;
              lastSyncEndNanos = clock.getAsLong();
            }
          }
        });
  }

  private static boolean touchesStarting(Intrusion intrusion, Set<Integer> starting) {
    if (starting.isEmpty()) {
      return false;
    }
    if (intrusion.level() == IntrusionLevel.SYNCS_ALL_VCPUS || intrusion.vcpu().isEmpty()) {
      return true;
    }
    return starting.contains(intrusion.vcpu().getAsInt());
  }

  private static boolean readsVcpuStats(Intrusion intrusion) {
    List<String> words =
        Arrays.stream(intrusion.command().trim().toLowerCase(Locale.ROOT).split("\\s+")).toList();
    if (words.get(0).equals("query-stats")) {
      return true;
    }
    return words.size() >= 3
        && (words.get(0).equals("info") || words.get(0).equals("i"))
        && words.get(1).equals("stats")
        && words.get(2).equals("vcpu");
  }
}
