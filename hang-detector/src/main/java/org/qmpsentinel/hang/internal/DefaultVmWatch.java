package org.qmpsentinel.hang.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.DetectorSettings;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Observation.CommandOutcome;
import org.qmpsentinel.hang.Observation.Connected;
import org.qmpsentinel.hang.Observation.Lifecycle;
import org.qmpsentinel.hang.Observation.Registers;
import org.qmpsentinel.hang.Observation.RunStatus;
import org.qmpsentinel.hang.Observation.VcpuPoll;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.hang.internal.detect.ApStuckInResetDetector;
import org.qmpsentinel.hang.internal.detect.FirmwareStallDetector;
import org.qmpsentinel.hang.internal.detect.HangTracker;
import org.qmpsentinel.hang.internal.detect.MonitorUnresponsiveDetector;
import org.qmpsentinel.hang.internal.detect.PhaseTracker;
import org.qmpsentinel.hang.internal.detect.UnexpectedPauseDetector;
import org.qmpsentinel.hang.internal.detect.VcpuLedger;
import org.qmpsentinel.hang.internal.policy.AdmissionControl;

/**
 * Routes observations to the ledger, the phase tracker and the four detectors, and admissions to
 * {@link AdmissionControl}. Methods are synchronized: the agent drives it from one per-VM serial
 * executor, but an allowed command's release may still arrive from a QMP callback thread.
 */
public final class DefaultVmWatch implements VmWatch {
  private final VmId vm;
  private final DetectorSettings settings;
  private final Ticker ticker;
  private final VcpuLedger ledger;
  private final PhaseTracker phase;
  private final HangTracker apTracker;
  private final HangTracker monitorTracker;
  private final HangTracker pauseTracker;
  private final HangTracker firmwareTracker;
  private final FirmwareStallDetector firmware;
  private final ApStuckInResetDetector apStuck;
  private final MonitorUnresponsiveDetector monitor;
  private final UnexpectedPauseDetector pause;
  private final AdmissionControl admission;
  private boolean running = true;
  private boolean fixedQemu;

  public DefaultVmWatch(VmId vm, DetectorSettings settings, Ticker ticker) {
    this.vm = vm;
    this.settings = settings;
    this.ticker = ticker;
    this.ledger = new VcpuLedger(settings.baselineGrace());
    this.phase = new PhaseTracker(settings.startupSettle());
    this.apTracker = new HangTracker(vm, HangKind.AP_STUCK_IN_RESET, ticker);
    this.monitorTracker = new HangTracker(vm, HangKind.MONITOR_UNRESPONSIVE, ticker);
    this.pauseTracker = new HangTracker(vm, HangKind.UNEXPECTED_PAUSE, ticker);
    this.firmwareTracker = new HangTracker(vm, HangKind.BOOT_STALLED_IN_FIRMWARE, ticker);
    this.firmware =
        new FirmwareStallDetector(settings.firmwareStallAfter(), ticker, ledger, firmwareTracker);
    this.apStuck = new ApStuckInResetDetector(settings, ticker, ledger, apTracker);
    this.monitor =
        new MonitorUnresponsiveDetector(settings.monitorTimeoutsToSuspect(), monitorTracker);
    this.pause = new UnexpectedPauseDetector(pauseTracker);
    this.admission =
        new AdmissionControl(
            settings.syncMinInterval(), settings.kickMinInterval(), ticker::nanos, this);
  }

  @Override
  public VmId vm() {
    return vm;
  }

  @Override
  public synchronized List<HangEvent> observe(Observation observation) {
    List<HangEvent> events = new ArrayList<>();
    if (observation instanceof Connected c) {
      running = c.running();
      fixedQemu = isFixed(c.qemuVersion(), c.qemuPackage());
    } else if (observation instanceof Observation.Disconnected) {
      // Nothing is known while disconnected; state is kept for the reconnect.
    } else if (observation instanceof Lifecycle l) {
      onLifecycle(l, events);
    } else if (observation instanceof RunStatus s) {
      running = s.running();
      events.addAll(pause.onStatus(s.running(), s.status(), ticker.wallTime()));
    } else if (observation instanceof VcpuPoll p) {
      VcpuLedger.Recorded recorded = ledger.record(p);
      if (recorded == VcpuLedger.Recorded.IGNORED) {
        return events; // sent before the latest RESET: belongs to neither boot
      }
      if (recorded == VcpuLedger.Recorded.NEW_PROCESS) {
        apStuck.resolveFor("the QEMU process was replaced").ifPresent(events::add);
        firmware.newBoot("the QEMU process was replaced").ifPresent(events::add);
        phase.reset();
      }
      phase.onPoll(p.atNanos(), ledger);
      events.addAll(apStuck.onPoll(p.atNanos(), running));
      events.addAll(firmware.onPoll(p.atNanos(), running));
    } else if (observation instanceof Registers r) {
      events.addAll(apStuck.onRegisters(r.cpuIndex(), r.registers()));
      events.addAll(firmware.onRegisters(r.cpuIndex(), r.registers()));
    } else if (observation instanceof CommandOutcome o) {
      events.addAll(monitor.onOutcome(o, ticker.wallTime()));
    }
    return events;
  }

  private void onLifecycle(Lifecycle l, List<HangEvent> events) {
    switch (l.event()) {
      case RESET -> {
        apStuck.resolveFor("the VM was reset").ifPresent(events::add);
        firmware.newBoot("the VM was reset").ifPresent(events::add);
        ledger.reset(l.atNanos());
        phase.reset();
      }
      case SHUTDOWN -> {
        running = false;
        apStuck.resolveFor("the VM shut down").ifPresent(events::add);
        firmware.resolve("the VM shut down").ifPresent(events::add);
      }
      case STOP -> running = false;
      case RESUME -> {
        running = true;
        events.addAll(pause.onStatus(true, "running", ticker.wallTime()));
      }
      case GUEST_PANICKED -> {
        running = false;
        events.addAll(pause.onGuestPanicked(ticker.wallTime()));
      }
    }
  }

  private boolean isFixed(String version, @Nullable String pkg) {
    for (String marker : settings.fixedQemu()) {
      if (!marker.isBlank()
          && (version.startsWith(marker) || (pkg != null && pkg.contains(marker)))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public synchronized List<HangEvent> tick() {
    // Transitions are driven by polls (time only counts while evidence is observed); a tick only
    // needs to re-evaluate the phase, which phase() does from the clock.
    return List.of();
  }

  @Override
  public synchronized Phase phase() {
    return phase.phase(ticker.nanos());
  }

  @Override
  public synchronized List<HangEvent> activeHangs() {
    List<HangEvent> active = new ArrayList<>();
    apTracker.current().ifPresent(active::add);
    monitorTracker.current().ifPresent(active::add);
    pauseTracker.current().ifPresent(active::add);
    firmwareTracker.current().ifPresent(active::add);
    return active;
  }

  @Override
  public synchronized boolean wantsCounters() {
    return firmware.wantsCounters();
  }

  @Override
  public synchronized Set<Integer> startingVcpus() {
    return ledger.startingVcpus();
  }

  @Override
  public synchronized OptionalInt confirmationTarget() {
    return apStuck.confirmationTarget();
  }

  @Override
  public synchronized boolean awaitingBaseline() {
    return ledger.awaitingBaseline();
  }

  @Override
  public synchronized BaselineQuality baselineQuality() {
    return ledger.quality();
  }

  @Override
  public synchronized IntrusionDecision requestIntrusion(Intrusion intrusion) {
    return admission.decide(
        intrusion,
        phase(),
        fixedQemu,
        apStuck.confirmationTarget(),
        ledger.awaitingBaseline(),
        ledger.startingVcpus());
  }
}
