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
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.Evidence;
import org.qmpsentinel.hang.Evidence.Confidence;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.X86Registers;

/**
 * AP_STUCK_IN_RESET: an application processor that has not entered the guest since the boot began
 * while the boot CPU spins without halting — SeaBIOS's smp_scan waiting for an AP whose INIT was
 * lost.
 *
 * <p>Evidence, strongest first: KVM's per-vCPU {@code exits} (a stuck AP's never moves, the BSP's
 * climbs with no {@code halt_exits}); host thread CPU time when KVM stats are unavailable (LOW
 * confidence: anything that kicks vCPUs blurs it); the suspected AP's registers at the reset vector
 * as confirmation. Time only counts while the VM runs, so a paused VM never fires.
 */
public final class ApStuckInResetDetector {
  /** With CPU time only, the BSP counts as spinning above this share of wall time. */
  private static final double BSP_BUSY_SHARE = 0.5;

  private final DetectorSettings settings;
  private final Ticker ticker;
  private final VcpuLedger ledger;
  private final HangTracker tracker;
  private final Set<Integer> clearedByRegisters = new TreeSet<>();
  private Set<Integer> stuck = Set.of();
  private long evidenceNanos;
  private Instant evidenceSince;
  private long lastPollNanos = Long.MIN_VALUE;
  private boolean registersConfirmed;
  private Map<String, Object> lastFigures = Map.of();

  public ApStuckInResetDetector(
      DetectorSettings settings, Ticker ticker, VcpuLedger ledger, HangTracker tracker) {
    this.settings = settings;
    this.ticker = ticker;
    this.ledger = ledger;
    this.tracker = tracker;
  }

  /** The AP whose registers would confirm the suspicion. */
  public OptionalInt confirmationTarget() {
    if (tracker.state() != HangState.SUSPECTED || registersConfirmed || stuck.isEmpty()) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(stuck.iterator().next());
  }

  public void reset() {
    stuck = Set.of();
    evidenceNanos = 0;
    evidenceSince = null;
    lastPollNanos = Long.MIN_VALUE;
    registersConfirmed = false;
    clearedByRegisters.clear();
  }

  /** Evaluates the poll just recorded in the ledger. */
  public List<HangEvent> onPoll(long nowNanos, boolean running) {
    List<HangEvent> events = new ArrayList<>();
    long elapsed = lastPollNanos == Long.MIN_VALUE ? 0 : nowNanos - lastPollNanos;
    lastPollNanos = nowNanos;
    if (!running) {
      return events; // paused: evidence neither grows nor breaks
    }
    int bsp = ledger.bsp();
    Set<Integer> neverRan = new TreeSet<>();
    for (int ap : ledger.bootVcpus()) {
      if (ap != bsp && !ledger.ranSinceBoot(ap) && !clearedByRegisters.contains(ap)) {
        neverRan.add(ap);
      }
    }
    if (tracker.active() && neverRan.isEmpty()) {
      tracker
          .resolve(new Evidence(Confidence.HIGH, "every AP has now entered the guest", Map.of()))
          .ifPresent(events::add);
      reset();
      return events;
    }
    boolean kvm = ledger.hasKvmStats();
    boolean bspSpinning = ledger.bootVcpus().contains(bsp) && bspSpinning(bsp, kvm, elapsed);
    if (neverRan.isEmpty() || !bspSpinning) {
      if (!tracker.active()) {
        evidenceNanos = 0;
        evidenceSince = null;
      }
      return events;
    }
    if (evidenceSince == null) {
      evidenceSince = ticker.wallTime();
    }
    stuck = neverRan;
    evidenceNanos += elapsed;
    lastFigures = figures(bsp, kvm, elapsed);
    Duration held = Duration.ofNanos(evidenceNanos);
    if (!tracker.active() && held.compareTo(settings.suspectAfter()) >= 0) {
      tracker.suspect(evidence(kvm, held), evidenceSince).ifPresent(events::add);
    } else if (tracker.state() == HangState.SUSPECTED
        && held.compareTo(settings.suspectAfter().plus(settings.confirmAfter())) >= 0) {
      tracker.confirm(evidence(kvm, held), evidenceSince).ifPresent(events::add);
    }
    return events;
  }

  /** Registers read for confirmation (with the policy's permission). */
  public List<HangEvent> onRegisters(int cpu, X86Registers registers) {
    if (!tracker.active() || !stuck.contains(cpu)) {
      return List.of();
    }
    // TCG parks never-started APs with HLT=1; KVM reports a wait-for-SIPI AP with HLT=0.
    boolean atVector =
        registers.ip() == 0xfff0L
            && registers.csSelector() == 0xf000
            && registers.csBase() == 0xffff0000L
            && (!registers.halted() || !ledger.hasKvmStats());
    if (atVector) {
      registersConfirmed = true;
      Map<String, Object> figures = new LinkedHashMap<>(lastFigures);
      figures.put("confirmed_cpu", cpu);
      figures.put("eip", "0000fff0");
      figures.put("cs", "f000 base ffff0000");
      return tracker
          .confirm(
              new Evidence(
                  Confidence.HIGH,
                  "AP " + cpu + " registers: EIP=0000fff0 CS=f000 base ffff0000 (reset vector)",
                  figures),
              evidenceSince)
          .map(List::of)
          .orElse(List.of());
    }
    clearedByRegisters.add(cpu);
    List<HangEvent> events = new ArrayList<>();
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
      clearedByRegisters.add(cpu);
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
    f.put("stuck_aps", List.copyOf(stuck));
    if (kvm) {
      f.put("bsp_exits_delta", ledger.kvmDelta(bsp, "exits"));
      f.put("bsp_halt_exits_delta", ledger.kvmDelta(bsp, "halt_exits"));
      Map<String, Long> apExits = new LinkedHashMap<>();
      stuck.forEach(ap -> apExits.put(Integer.toString(ap), ledger.exitsSinceBoot(ap)));
      f.put("ap_exits_since_boot", apExits);
    } else {
      f.put("bsp_cpu_share", elapsed > 0 ? (double) ledger.cpuDelta(bsp) / elapsed : 0.0);
      Map<String, Long> apCpu = new LinkedHashMap<>();
      stuck.forEach(ap -> apCpu.put(Integer.toString(ap), ledger.cpuNanosSinceBoot(ap)));
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
