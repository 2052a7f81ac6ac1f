package org.qmpsentinel.hang.internal.detect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.Evidence.Confidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.X86Registers;
import org.qmpsentinel.hang.internal.detect.VcpuLedger.Source;

/**
 * AP_STUCK_IN_RESET: an application processor that has not entered the guest since the boot began
 * while the boot CPU spins without halting — SeaBIOS's smp_scan waiting for an AP whose INIT was
 * lost.
 *
 * <p>Evidence, strongest first: KVM's per-vCPU {@code exits} (a stuck AP's never moves, the BSP's
 * climbs with no {@code halt_exits}); host thread CPU time when KVM stats are unavailable (LOW
 * confidence: anything that kicks vCPUs blurs it); the suspected AP's registers at the reset vector
 * as confirmation. Time only counts while the VM runs, so a paused VM never fires; polls without
 * KVM counters in a KVM boot neither add to the evidence nor break it.
 *
 * <p><b>Proven and ambiguous APs</b> (see {@link VcpuLedger}): an AP is <em>proven</em> not to have
 * run since the reset when the baseline is absolute, when its counter did not move between the last
 * sample before the RESET and the baseline, or when its registers were read at the reset vector.
 * Only proven APs raise SUSPECTED from counters (after {@code suspectAfter}) and CONFIRMED by time
 * (after {@code suspectAfter + confirmAfter}). An <em>ambiguous</em> AP — its baseline was taken
 * after it may already have been woken and parked, so "no exits since the baseline" does not tell
 * stuck from parked — never raises anything from counters. When the stuck signature has held for
 * {@code suspectAfter} with only ambiguous APs, one of them (the lowest index not yet read) becomes
 * the {@link #confirmationTarget()}: one register read of that AP decides. At the reset vector
 * (EIP=0000fff0, CS=f000 base ffff0000) it raises SUSPECTED and CONFIRMED at once; anywhere else
 * the AP has run since the reset, is cleared, and the next ambiguous AP (if the signature still
 * holds) is named at the next poll. So a late or missing baseline costs at most a register read per
 * ambiguous AP, never a false alarm and never the rest of the boot.
 */
public final class ApStuckInResetDetector {
  /** With CPU time only, the BSP counts as spinning above this share of wall time. */
  private static final double BSP_BUSY_SHARE = 0.5;

  private final DetectorSettings settings;
  private final Ticker ticker;
  private final VcpuLedger ledger;
  private final HangTracker tracker;
  private Set<Integer> stuck = Set.of();
  private Set<Integer> ambiguous = Set.of();
  private OptionalInt verifyTarget = OptionalInt.empty();
  private long evidenceNanos;
  private @Nullable Instant evidenceSince;
  private long pausedAtNanos = Long.MIN_VALUE;
  private boolean registersConfirmed;
  private Map<String, Object> lastFigures = Map.of();

  public ApStuckInResetDetector(
      DetectorSettings settings, Ticker ticker, VcpuLedger ledger, HangTracker tracker) {
    this.settings = settings;
    this.ticker = ticker;
    this.ledger = ledger;
    this.tracker = tracker;
  }

  /**
   * The AP whose registers would decide: a suspected stuck AP (confirmation), or, with only
   * ambiguous APs, the one to verify before anything is raised.
   */
  public OptionalInt confirmationTarget() {
    if (tracker.state() == HangState.SUSPECTED && !registersConfirmed && !stuck.isEmpty()) {
      return OptionalInt.of(stuck.iterator().next());
    }
    return tracker.active() ? OptionalInt.empty() : verifyTarget;
  }

  public void reset() {
    stuck = Set.of();
    ambiguous = Set.of();
    verifyTarget = OptionalInt.empty();
    evidenceNanos = 0;
    evidenceSince = null;
    pausedAtNanos = Long.MIN_VALUE;
    registersConfirmed = false;
  }

  /** Evaluates the poll just recorded in the ledger. */
  public List<HangEvent> onPoll(long nowNanos, boolean running) {
    List<HangEvent> events = new ArrayList<>();
    if (!running) {
      pausedAtNanos = nowNanos; // paused: evidence neither grows nor breaks
      return events;
    }
    if (!ledger.evaluable()) {
      return events; // no baseline yet, or no comparable counters in this poll
    }
    // The time the deltas span, less any part of it the VM spent paused.
    long elapsed = Math.max(0, nowNanos - Math.max(ledger.deltaFromNanos(), pausedAtNanos));
    int bsp = ledger.bsp();
    Set<Integer> provenNeverRan = new TreeSet<>();
    Set<Integer> ambiguousNeverRan = new TreeSet<>();
    for (int ap : ledger.bootVcpus()) {
      if (ap != bsp && !ledger.ranSinceBoot(ap)) {
        (ledger.proven(ap) ? provenNeverRan : ambiguousNeverRan).add(ap);
      }
    }
    if (tracker.active() && provenNeverRan.isEmpty()) {
      tracker
          .resolve(new Evidence(Confidence.HIGH, "every AP has now entered the guest", Map.of()))
          .ifPresent(events::add);
      reset();
      return events;
    }
    boolean kvm = ledger.source() == Source.KVM;
    boolean bspSpinning = ledger.bootVcpus().contains(bsp) && bspSpinning(bsp, kvm, elapsed);
    boolean anyNeverRan = !provenNeverRan.isEmpty() || !ambiguousNeverRan.isEmpty();
    if (!anyNeverRan || !bspSpinning) {
      if (!tracker.active()) {
        evidenceNanos = 0;
        evidenceSince = null;
        verifyTarget = OptionalInt.empty();
      }
      return events;
    }
    if (evidenceSince == null) {
      evidenceSince = ticker.wallTime();
    }
    stuck = provenNeverRan;
    ambiguous = ambiguousNeverRan;
    evidenceNanos += elapsed;
    lastFigures = figures(bsp, kvm, elapsed);
    Duration held = Duration.ofNanos(evidenceNanos);
    boolean longEnough = held.compareTo(settings.suspectAfter()) >= 0;
    if (!tracker.active() && !stuck.isEmpty() && longEnough) {
      verifyTarget = OptionalInt.empty();
      tracker.suspect(evidence(kvm, held), since()).ifPresent(events::add);
    } else if (!tracker.active() && longEnough) {
      // Only ambiguous APs: counters cannot tell stuck from parked; one register read will.
      verifyTarget = OptionalInt.of(ambiguous.iterator().next());
    } else if (tracker.state() == HangState.SUSPECTED
        && held.compareTo(settings.suspectAfter().plus(settings.confirmAfter())) >= 0) {
      tracker.confirm(evidence(kvm, held), since()).ifPresent(events::add);
    }
    return events;
  }

  private Instant since() {
    Instant s = evidenceSince;
    return s != null ? s : ticker.wallTime();
  }

  /** Registers read for confirmation or verification (with the policy's permission). */
  public List<HangEvent> onRegisters(int cpu, X86Registers registers) {
    boolean suspectedAp = tracker.active() && stuck.contains(cpu);
    boolean verifiedAp = !tracker.active() && verifyTarget.equals(OptionalInt.of(cpu));
    if (!suspectedAp && !verifiedAp) {
      return List.of();
    }
    // TCG parks never-started APs with HLT=1; KVM reports a wait-for-SIPI AP with HLT=0.
    boolean atVector =
        registers.ip() == 0xfff0L
            && registers.csSelector() == 0xf000
            && registers.csBase() == 0xffff0000L
            && (!registers.halted() || ledger.source() != Source.KVM);
    if (atVector) {
      ledger.markAtResetVector(cpu);
      registersConfirmed = true;
      verifyTarget = OptionalInt.empty();
      Map<String, Object> figures = new LinkedHashMap<>(lastFigures);
      figures.put("confirmed_cpu", cpu);
      figures.put("eip", "0000fff0");
      figures.put("cs", "f000 base ffff0000");
      List<HangEvent> events = new ArrayList<>();
      if (verifiedAp) {
        stuck = Set.of(cpu);
        Set<Integer> rest = new TreeSet<>(ambiguous);
        rest.remove(cpu);
        ambiguous = rest;
        figures.put("stuck_aps", List.of(cpu));
        figures.put("ambiguous_aps", List.copyOf(rest));
        tracker
            .suspect(
                new Evidence(
                    Confidence.HIGH,
                    "AP "
                        + cpu
                        + " has shown no exits since a "
                        + ledger.quality().name().toLowerCase(java.util.Locale.ROOT)
                        + " baseline while the BSP spins, and its registers are at the reset"
                        + " vector",
                    figures),
                since())
            .ifPresent(events::add);
      }
      tracker
          .confirm(
              new Evidence(
                  Confidence.HIGH,
                  "AP " + cpu + " registers: EIP=0000fff0 CS=f000 base ffff0000 (reset vector)",
                  figures),
              since())
          .ifPresent(events::add);
      return events;
    }
    // Anywhere but the reset vector: the AP has run since the reset.
    ledger.markRan(cpu);
    List<HangEvent> events = new ArrayList<>();
    if (verifiedAp) {
      verifyTarget = OptionalInt.empty(); // the next ambiguous AP is named at the next poll
      return events;
    }
    if (stuck.size() == 1) {
      tracker
          .resolve(
              new Evidence(
                  Confidence.HIGH,
                  String.format(
                      "AP %d is not at the reset vector (EIP=%08x CS=%04x): not stuck",
                      cpu, registers.ip(), registers.csSelector()),
                  Map.of()))
          .ifPresent(events::add);
      reset();
    } else {
      Set<Integer> rest = new TreeSet<>(stuck);
      rest.remove(cpu);
      stuck = rest;
    }
    return events;
  }

  private boolean bspSpinning(int bsp, boolean kvm, long elapsed) {
    if (kvm) {
      long exits = ledger.kvmDelta(bsp, "exits");
      long halts = ledger.kvmDelta(bsp, "halt_exits");
      return exits > 0 && halts == 0;
    }
    long cpu = ledger.cpuDelta(bsp);
    return elapsed > 0 && cpu >= 0 && cpu >= BSP_BUSY_SHARE * elapsed;
  }

  private Map<String, Object> figures(int bsp, boolean kvm, long elapsed) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("source", kvm ? "kvm_stats" : "schedstat");
    f.put("baseline", ledger.quality().name().toLowerCase(java.util.Locale.ROOT));
    f.put("stuck_aps", List.copyOf(stuck));
    f.put("ambiguous_aps", List.copyOf(ambiguous));
    Set<Integer> aps = new TreeSet<>(stuck);
    aps.addAll(ambiguous);
    if (kvm) {
      f.put("bsp_exits_delta", ledger.kvmDelta(bsp, "exits"));
      f.put("bsp_halt_exits_delta", ledger.kvmDelta(bsp, "halt_exits"));
      Map<String, Long> apExits = new LinkedHashMap<>();
      aps.forEach(ap -> apExits.put(Integer.toString(ap), ledger.exitsSinceBoot(ap)));
      f.put("ap_exits_since_boot", apExits);
    } else {
      f.put("bsp_cpu_share", elapsed > 0 ? (double) ledger.cpuDelta(bsp) / elapsed : 0.0);
      Map<String, Long> apCpu = new LinkedHashMap<>();
      aps.forEach(ap -> apCpu.put(Integer.toString(ap), ledger.cpuNanosSinceBoot(ap)));
      f.put("ap_cpu_nanos_since_boot", apCpu);
    }
    return f;
  }

  private Evidence evidence(boolean kvm, Duration held) {
    Map<String, Object> f = new LinkedHashMap<>(lastFigures);
    f.put("evidence_seconds", held.toMillis() / 1000.0);
    String seconds = String.format("%.1f s", held.toMillis() / 1000.0);
    if (kvm) {
      return new Evidence(
          Confidence.HIGH,
          "APs "
              + stuck
              + " have not entered the guest since boot (KVM exits unchanged) while the BSP"
              + " spins without halting, for "
              + seconds,
          f);
    }
    return new Evidence(
        Confidence.LOW,
        "APs "
            + stuck
            + " used no CPU since boot while the BSP is busy, for "
            + seconds
            + " (host CPU time only, no KVM stats: low confidence)",
        f);
  }

  public Optional<HangEvent> resolveFor(String why) {
    Optional<HangEvent> e = tracker.resolve(new Evidence(Confidence.HIGH, why, Map.of()));
    reset();
    return e;
  }
}
