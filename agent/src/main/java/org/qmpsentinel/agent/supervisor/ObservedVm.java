package org.qmpsentinel.agent.supervisor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.libvirt.DomainObserver;
import org.qmpsentinel.agent.discovery.libvirt.DomainSample;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtRegisters;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.RunState;
import org.qmpsentinel.qmp.StatusInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one libvirt domain from what libvirt tells: lifecycle events and bulk stats, fed to the
 * same detector, {@link Reporter} and {@link SnapshotPublisher} as a QMP-watched VM, so metrics,
 * alerts and the API see no difference. Every input is a task on the VM's {@link SerialExecutor};
 * the libvirt threads only submit them. The one thing other threads read is {@link #cadence()}.
 *
 * <p>What libvirt cannot give: registers (a suspected AP is confirmed by time, after {@code
 * confirm-after}, unless register confirmation through libvirt is enabled — it taints the domain),
 * QMP command outcomes (MONITOR_UNRESPONSIVE is QMP-only), and an operator's HMP commands.
 */
public final class ObservedVm implements WatchedVm {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);

  private final SerialExecutor executor;
  private final VmState state;
  private final SnapshotPublisher publisher;
  private final Reporter reporter;
  private final SupervisorListener listener;
  private final PollCadence cadence;
  private final Ticker ticker;
  private final String hypervisorVersion;
  private final Map<Integer, long[]> lastCpu = new HashMap<>(); // index → {cpuNanos, atNanos}
  private final @Nullable LibvirtRegisterConfirmation registers;
  private volatile DomainObserver.Cadence published = DomainObserver.Cadence.FAST;
  private boolean connected;

  private ObservedVm(
      DomainObserver.Domain domain,
      String endpoint,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener listener,
      @Nullable LibvirtRegisters registers) {
    this.executor = new SerialExecutor(runtime.scheduler());
    this.listener = listener;
    this.ticker = runtime.ticker();
    this.hypervisorVersion = domain.hypervisorVersion();
    this.registers =
        registers == null
            ? null
            : new LibvirtRegisterConfirmation(registers, executor, listener, ticker);
    this.state =
        new VmState(
            key(domain.uuid()),
            "libvirt",
            domain.name(),
            endpoint,
            0,
            VmWatch.create(
                new VmId(domain.uuid(), domain.name(), domain.uuid()),
                settings.detector(),
                ticker));
    state.uuid = domain.uuid();
    this.publisher = new SnapshotPublisher(state, listener::onSnapshot);
    this.reporter =
        new Reporter(state, listener, runtime.responder(), publisher, runtime.proc(), ticker);
    this.cadence =
        new PollCadence(
            settings.pollInterval(),
            settings.steadyPollInterval(),
            0,
            settings.detector().startupSettle());
    cadence.fastFrom(ticker.nanos());
  }

  /** The registry's key of a libvirt domain. */
  static String key(String uuid) {
    return "libvirt:" + uuid;
  }

  static ObservedVm start(
      DomainObserver.Domain domain,
      String endpoint,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener listener,
      @Nullable LibvirtRegisters registers) {
    return new ObservedVm(domain, endpoint, settings, runtime, listener, registers);
  }

  @Override
  public String key() {
    return state.key;
  }

  @Override
  public VmSnapshot snapshot() {
    return publisher.latest();
  }

  /** Safe from any thread: whether this VM wants vCPU stats at every poll tick. */
  DomainObserver.Cadence cadence() {
    return published;
  }

  void lifecycle(LifecycleEvent event, long atNanos) {
    executor.execute(
        () -> {
          if (state.closed) {
            return;
          }
          switch (event) {
            case STOP, SHUTDOWN, GUEST_PANICKED -> state.running = false;
            case RESUME -> state.running = true;
            case RESET -> cadence.fastFrom(ticker.nanos());
          }
          reporter.emit(state.watch.observe(new Observation.Lifecycle(atNanos, event)));
          if (event == LifecycleEvent.RESET) {
            log.info("{}: reset (libvirt reboot event): a new boot, baseline pending", state.name);
          }
          publish();
        });
  }

  void sampled(DomainSample sample) {
    executor.execute(
        () -> {
          if (!state.closed) {
            onSample(sample);
          }
        });
  }

  private void onSample(DomainSample s) {
    VmWatch w = state.watch;
    if (!connected) {
      connected = true;
      state.connected = true;
      state.identified(
          new Identity(
              state.name,
              state.uuid,
              hypervisorVersion,
              "",
              s.kvmCounters(),
              s.kvmCounters(),
              new StatusInfo(s.running(), RunState.fromQmp(s.runState()), s.runState())));
      reporter.emit(
          w.observe(
              new Observation.Connected(
                  s.atNanos(), hypervisorVersion, "", s.kvmCounters(), s.running())));
      listener.onConnectionChange(reporter.snapshot(), true);
      log.info(
          "{}: watched through libvirt (QEMU {}, kvm counters={})",
          state.name,
          hypervisorVersion,
          s.kvmCounters());
    }
    state.running = s.running();
    state.runState = s.runState();
    reporter.emit(w.observe(new Observation.RunStatus(s.atNanos(), s.running(), s.runState())));
    if (!s.vcpus().isEmpty()) {
      BaselineQuality before = w.baselineQuality();
      reporter.emit(w.observe(new Observation.VcpuPoll(s.atNanos(), s.sentAtNanos(), s.vcpus())));
      BaselineQuality after = w.baselineQuality();
      if (before == BaselineQuality.PENDING && after != BaselineQuality.PENDING) {
        listener.onBaseline(reporter.snapshot(), after);
      }
      state.vcpus = rows(s);
      listener.onPoll(
          reporter.snapshot(), java.time.Duration.ofNanos(s.atNanos() - s.sentAtNanos()));
      if (registers != null) {
        registers.confirmIfSuspected(state, reporter);
      }
    }
    publish();
  }

  private void publish() {
    Phase phase = state.watch.phase();
    boolean fast = cadence.fast(phase, ticker.nanos()) || state.watch.awaitingBaseline();
    published = fast ? DomainObserver.Cadence.FAST : DomainObserver.Cadence.STEADY;
    publisher.publish(state);
  }

  private List<VmSnapshot.Vcpu> rows(DomainSample s) {
    List<VmSnapshot.Vcpu> rows = new ArrayList<>(s.vcpus().size());
    for (VcpuSample v : s.vcpus()) {
      double utilization = -1;
      if (v.cpuTimeNanos().isPresent()) {
        long cpu = v.cpuTimeNanos().getAsLong();
        long[] before = lastCpu.put(v.cpuIndex(), new long[] {cpu, s.atNanos()});
        if (before != null && s.atNanos() > before[1]) {
          utilization =
              Math.max(0, Math.min(1, (double) (cpu - before[0]) / (s.atNanos() - before[1])));
        }
      }
      rows.add(
          new VmSnapshot.Vcpu(
              v.cpuIndex(),
              v.threadId(),
              "",
              v.cpuTimeNanos().orElse(0) / 1e9,
              utilization,
              v.kvm().map(k -> k.get("exits")).orElse(-1L)));
    }
    return rows;
  }

  @Override
  public CompletableFuture<HmpResult> runHmp(String commandLine, OptionalInt cpuIndex) {
    return CompletableFuture.completedFuture(
        new HmpResult(
            false,
            "not_available: "
                + state.name
                + " is watched read-only through libvirt; HMP needs the extra-socket route",
            ""));
  }

  @Override
  public void close() {
    executor.execute(
        () -> {
          state.closed = true;
          state.connected = false;
          publisher.close();
          listener.onVanished(state.key);
        });
  }
}
