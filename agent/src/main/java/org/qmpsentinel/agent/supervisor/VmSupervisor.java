package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Observation.CommandOutcome;
import org.qmpsentinel.hang.Observation.KvmCounters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Observation.VcpuSample;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.ProcThreads;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.hang.X86RegistersParser;
import org.qmpsentinel.qmp.ConnectionState;
import org.qmpsentinel.qmp.CpuInfoFast;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpSupervisor;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.qmpsentinel.qmp.StatusInfo;
import org.qmpsentinel.qmp.VcpuStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one VM. Everything is asynchronous: the shared scheduler only starts a poll, the QMP
 * replies continue it on callback threads, and a poll still in flight makes the next tick a no-op.
 * A QEMU whose monitor hangs therefore only ever delays its own polls, never another VM's.
 *
 * <p>Each poll sends only commands that never synchronize vCPU state: query-status, query-cpus-fast
 * (on connect, on RESET, and every {@code cpusRefresh}) and query-stats (vcpu/kvm, which kicks
 * vCPUs but writes nothing back), plus procfs reads of the vCPU threads. The single synchronizing
 * read it ever makes — {@code info registers} of an AP already suspected stuck — goes through the
 * VM's intrusion policy like any operator command.
 */
public final class VmSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);
  private static final Set<String> LIFECYCLE_EVENTS =
      Set.of("RESET", "SHUTDOWN", "STOP", "RESUME", "GUEST_PANICKED");

  private final String key;
  private final String source;
  private final QmpEndpoint endpoint;
  private final SupervisorSettings settings;
  private final ScheduledExecutorService scheduler;
  private final ProcThreads proc;
  private final Ticker ticker;
  private final SupervisorListener listener;
  private final IntrusionPolicy policy = IntrusionPolicy.qemu72();
  private final AtomicBoolean pollInFlight = new AtomicBoolean();
  private final QmpSupervisor connection;

  private volatile boolean closed;
  private volatile VmSnapshot snapshot;
  private volatile VmWatch watch;
  private volatile String name;
  private volatile String uuid = "";
  private volatile long pid;
  private volatile String qemuVersion = "";
  private volatile boolean kvm;
  private volatile boolean statsSupported;
  private volatile List<CpuInfoFast> cpus = List.of();
  private volatile long cpusReadAtNanos;
  private volatile boolean cpusStale = true;
  private volatile boolean running;
  private volatile String runState = "unknown";
  private final Map<Integer, long[]> lastCpu = new HashMap<>(); // index -> {cpuNanos, atNanos}

  private VmSupervisor(
      DiscoveredVm vm,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener listener) {
    this.key = DiscoveryService.keyOf(vm);
    this.name = vm.name();
    this.source = vm.source();
    this.endpoint = vm.endpoint();
    this.pid = vm.pid().orElse(0);
    this.settings = settings;
    this.scheduler = runtime.scheduler();
    this.proc = runtime.proc();
    this.ticker = runtime.ticker();
    this.listener = listener;
    this.snapshot = buildSnapshot(List.of(), false);
    QmpClient client = runtime.client();
    this.connection =
        QmpSupervisor.start(
            client,
            endpoint,
            client.defaultOptions().withCommandTimeout(settings.commandTimeout()),
            settings.backoff(),
            new QmpSupervisor.Listener() {
              @Override
              public void onStateChange(ConnectionState state, Throwable cause) {
                onConnectionState(state, cause);
              }

              @Override
              public void onConnected(QmpConnection c) {
                onNewConnection(c);
              }
            });
    schedulePoll(settings.pollInterval());
  }

  /**
   * Starts watching a VM: its key in the agent is its endpoint; its name (until QEMU reports its
   * own) and pid (until the socket's peer credentials give it) come from discovery.
   */
  public static VmSupervisor start(
      DiscoveredVm vm,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener listener) {
    return new VmSupervisor(vm, settings, runtime, listener);
  }

  public String key() {
    return key;
  }

  public VmSnapshot snapshot() {
    return snapshot;
  }

  /** The VM's identity once connected (uuid, else name, else key). */
  public VmId vmId() {
    VmWatch w = watch;
    return w != null ? w.vm() : new VmId(key, name, uuid);
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private void onConnectionState(ConnectionState state, Throwable cause) {
    if (state == ConnectionState.BACKING_OFF || state == ConnectionState.CLOSED) {
      VmWatch w = watch;
      if (w != null) {
        w.observe(new Observation.Disconnected(ticker.nanos()));
      }
      publishSnapshot(snapshot.vcpus(), false);
      listener.onConnectionChange(this, false);
      if (cause != null && state == ConnectionState.BACKING_OFF) {
        log.debug("{}: connection lost: {}", name, cause.toString());
      }
    }
    if (state == ConnectionState.CONNECTING && connection != null && connection.reconnects() > 0) {
      listener.onReconnect(this);
    }
  }

  private void onNewConnection(QmpConnection c) {
    c.peerCredentials().ifPresent(cred -> pid = cred.pid());
    qemuVersion = c.greeting().version().toString();
    c.subscribe(e -> LIFECYCLE_EVENTS.contains(e.name()), this::onEvent);
    CompletableFuture<java.util.Optional<String>> nameF = timed(c, QmpCommands.queryName());
    CompletableFuture<String> uuidF = timed(c, QmpCommands.queryUuid());
    CompletableFuture<Set<String>> commandsF = timed(c, QmpCommands.queryCommands());
    CompletableFuture<org.qmpsentinel.qmp.KvmInfo> kvmF = timed(c, QmpCommands.queryKvm());
    CompletableFuture<StatusInfo> statusF = timed(c, QmpCommands.queryStatus());
    CompletableFuture.allOf(nameF, uuidF, commandsF, kvmF, statusF)
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                log.warn("{}: identifying the VM failed: {}", name, rootCause(error).toString());
                c.close(); // the supervisor reconnects with backoff
                return;
              }
              String qemuName = nameF.join().orElse(null);
              String qemuUuid = uuidF.join();
              if (qemuName != null && !qemuName.isBlank()) {
                name = qemuName;
              }
              uuid = isZeroUuid(qemuUuid) ? "" : qemuUuid;
              kvm = kvmF.join().enabled();
              statsSupported =
                  settings.kvmStats() && kvm && commandsF.join().contains("query-stats");
              StatusInfo status = statusF.join();
              running = status.running();
              runState = status.rawStatus();
              VmId id = new VmId(uuid.isEmpty() ? name : uuid, name, uuid);
              VmWatch w = watch;
              if (w == null || !w.vm().equals(id)) {
                w = VmWatch.create(id, settings.detector(), ticker);
                watch = w;
              }
              emit(
                  w.observe(
                      new Observation.Connected(
                          ticker.nanos(),
                          qemuVersion,
                          c.greeting().version().pkg(),
                          kvm,
                          status.running())));
              cpusStale = true;
              listener.onConnectionChange(this, true);
              log.info(
                  "{}: connected ({}, QEMU {}, kvm={}, query-stats={}, pid={})",
                  name,
                  endpoint,
                  qemuVersion,
                  kvm,
                  statsSupported,
                  pid);
              pollNow();
            });
  }

  private static boolean isZeroUuid(String u) {
    return u == null || u.isBlank() || u.replace("-", "").chars().allMatch(ch -> ch == '0');
  }

  private void onEvent(QmpEvent event) {
    VmWatch w = watch;
    if (w == null) {
      return;
    }
    LifecycleEvent lifecycle = LifecycleEvent.valueOf(event.name());
    switch (lifecycle) {
      case STOP, SHUTDOWN, GUEST_PANICKED -> running = false;
      case RESUME -> running = true;
      default -> {}
    }
    emit(w.observe(new Observation.Lifecycle(ticker.nanos(), lifecycle)));
    if (lifecycle == LifecycleEvent.RESET) {
      // The first poll after a reset is the new boot's baseline: take it before the firmware
      // wakes the APs (see VmWatch).
      cpusStale = true;
      pollNow();
    }
  }

  // ---- polling --------------------------------------------------------------------------------

  private void schedulePoll(Duration base) {
    if (closed) {
      return;
    }
    double jitter = 1 + settings.jitter() * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
    long delay = (long) (base.toNanos() * jitter);
    try {
      scheduler.schedule(this::pollTick, delay, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      if (!closed) {
        log.warn("{}: cannot schedule poll: {}", name, e.toString());
      }
    }
  }

  private void pollTick() {
    pollNow();
    schedulePoll(settings.pollInterval());
  }

  /** Starts a poll unless one is already in flight. Never blocks. */
  private void pollNow() {
    if (closed) {
      return;
    }
    QmpConnection c = connection.connection().orElse(null);
    VmWatch w = watch;
    if (c == null || w == null || !pollInFlight.compareAndSet(false, true)) {
      return;
    }
    long startedNanos = ticker.nanos();
    CompletableFuture<StatusInfo> statusF = timed(c, QmpCommands.queryStatus());
    CompletableFuture<List<CpuInfoFast>> cpusF =
        cpusStale || startedNanos - cpusReadAtNanos > settings.cpusRefresh().toNanos()
            ? timed(c, QmpCommands.queryCpusFast())
            : CompletableFuture.completedFuture(null);
    CompletableFuture<List<VcpuStats>> statsF = statsSupported ? kvmStats(c, w) : done(null);
    CompletableFuture.allOf(statusF, cpusF, statsF)
        .whenComplete(
            (ignored, error) -> {
              try {
                if (error == null) {
                  completePoll(c, w, startedNanos, statusF.join(), cpusF.join(), statsF.join());
                }
              } catch (RuntimeException e) {
                log.warn("{}: poll failed: {}", name, e.toString());
              } finally {
                pollInFlight.set(false);
              }
            });
  }

  private CompletableFuture<List<VcpuStats>> kvmStats(QmpConnection c, VmWatch w) {
    Intrusion kick = policy.classifyQmp("query-stats", Map.of("target", "vcpu"));
    IntrusionDecision decision = w.requestIntrusion(kick);
    if (!decision.allowed()) {
      return done(null); // rate-limited: this poll goes without KVM counters
    }
    return timed(c, QmpCommands.queryVcpuStats()).whenComplete((r, e) -> decision.close());
  }

  private void completePoll(
      QmpConnection c,
      VmWatch w,
      long sentAtNanos,
      StatusInfo status,
      List<CpuInfoFast> freshCpus,
      List<VcpuStats> stats) {
    long now = ticker.nanos();
    running = status.running();
    runState = status.rawStatus();
    emit(w.observe(new Observation.RunStatus(now, status.running(), status.rawStatus())));
    if (freshCpus != null) {
      cpus = freshCpus;
      cpusReadAtNanos = now;
      cpusStale = false;
    }
    Map<String, Map<String, Long>> byQomPath = new HashMap<>();
    if (stats != null) {
      for (VcpuStats s : stats) {
        byQomPath.put(s.qomPath(), s.counters());
      }
    }
    List<VcpuSample> samples = new ArrayList<>();
    List<VmSnapshot.Vcpu> vcpus = new ArrayList<>();
    for (CpuInfoFast cpu : cpus) {
      OptionalLong cpuNanos =
          pid > 0 ? proc.cpuTimeNanos(pid, cpu.threadId()) : OptionalLong.empty();
      Map<String, Long> counters = byQomPath.get(cpu.qomPath()); // by qom-path, never by order
      samples.add(
          new VcpuSample(
              cpu.cpuIndex(),
              cpu.threadId(),
              cpuNanos,
              Optional.ofNullable(counters).map(KvmCounters::new)));
      vcpus.add(
          new VmSnapshot.Vcpu(
              cpu.cpuIndex(),
              cpu.threadId(),
              cpu.qomPath(),
              cpuNanos.orElse(0) / 1e9,
              utilization(cpu.cpuIndex(), cpuNanos, now),
              counters == null ? -1 : counters.getOrDefault("exits", -1L)));
    }
    emit(w.observe(new Observation.VcpuPoll(now, sentAtNanos, samples)));
    publishSnapshot(vcpus, true);
    maybeConfirm(c, w);
  }

  private double utilization(int index, OptionalLong cpuNanos, long now) {
    if (cpuNanos.isEmpty()) {
      return -1;
    }
    synchronized (lastCpu) {
      long[] before = lastCpu.put(index, new long[] {cpuNanos.getAsLong(), now});
      if (before == null || now <= before[1]) {
        return -1;
      }
      return Math.max(
          0, Math.min(1, (double) (cpuNanos.getAsLong() - before[0]) / (now - before[1])));
    }
  }

  /** Reads the suspected AP's registers when the policy allows it (its INIT is already lost). */
  private void maybeConfirm(QmpConnection c, VmWatch w) {
    OptionalInt target = w.confirmationTarget();
    if (target.isEmpty()) {
      return;
    }
    int ap = target.getAsInt();
    Intrusion read = policy.classifyHmp("info registers", OptionalInt.of(ap));
    IntrusionDecision decision = w.requestIntrusion(read);
    listener.onIntrusionDecision(this, read.command(), decision);
    if (!decision.allowed()) {
      return;
    }
    timed(c, QmpCommands.humanMonitorCommand("info registers", OptionalInt.of(ap)))
        .whenComplete(
            (text, error) -> {
              decision.close();
              if (error == null) {
                X86RegistersParser.parse(text, ap).values().stream()
                    .findFirst()
                    .ifPresent(
                        regs ->
                            emit(w.observe(new Observation.Registers(ticker.nanos(), ap, regs))));
              }
            });
  }

  // ---- operator commands ----------------------------------------------------------------------

  /** Outcome of an operator's HMP request. */
  public record HmpResult(boolean allowed, String reason, String output) {}

  /**
   * Runs an HMP command only if the intrusion policy allows it now; otherwise completes with {@code
   * allowed=false} and the reason.
   */
  public CompletableFuture<HmpResult> runHmp(String commandLine, OptionalInt cpuIndex) {
    QmpConnection c = connection.connection().orElse(null);
    VmWatch w = watch;
    if (c == null || w == null) {
      return done(new HmpResult(false, "not_connected: the VM's monitor is not connected", ""));
    }
    Intrusion intrusion = policy.classifyHmp(commandLine, cpuIndex);
    IntrusionDecision decision = w.requestIntrusion(intrusion);
    listener.onIntrusionDecision(this, intrusion.command(), decision);
    if (!decision.allowed()) {
      return done(new HmpResult(false, decision.reason(), ""));
    }
    return timed(c, QmpCommands.humanMonitorCommand(commandLine, cpuIndex))
        .handle(
            (out, error) -> {
              decision.close();
              if (error != null) {
                throw new CompletionException(rootCause(error));
              }
              return new HmpResult(true, decision.reason(), out);
            });
  }

  /** Issues system_reset (remediation). */
  public CompletableFuture<Void> systemReset() {
    QmpConnection c = connection.connection().orElse(null);
    if (c == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
    }
    return timed(c, QmpCommands.systemReset());
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Sends a command, reporting latency/outcome and feeding timeouts to the detector. */
  private <T> CompletableFuture<T> timed(QmpConnection c, QmpCommand<T> command) {
    long start = System.nanoTime();
    return c.execute(command)
        .whenComplete(
            (r, error) -> {
              Duration latency = Duration.ofNanos(System.nanoTime() - start);
              Throwable cause = error == null ? null : rootCause(error);
              String outcome =
                  cause == null ? "ok" : cause instanceof QmpTimeoutException ? "timeout" : "error";
              listener.onCommand(this, command.name(), latency, outcome);
              VmWatch w = watch;
              if (w != null && !"error".equals(outcome)) {
                emit(
                    w.observe(
                        new CommandOutcome(
                            ticker.nanos(),
                            command.name(),
                            cause == null
                                ? CommandOutcome.Outcome.OK
                                : CommandOutcome.Outcome.TIMEOUT,
                            pid <= 0 || proc.processAlive(pid))));
              }
            });
  }

  private void emit(List<HangEvent> events) {
    for (HangEvent e : events) {
      log.info("{}: {} {} — {}", e.vm().name(), e.kind(), e.state(), e.evidence().summary());
      listener.onHangEvent(this, e);
    }
    if (!events.isEmpty()) {
      publishSnapshot(snapshot.vcpus(), snapshot.connected());
    }
  }

  private void publishSnapshot(List<VmSnapshot.Vcpu> vcpus, boolean connected) {
    if (closed) {
      return; // a vanished VM: a late report would resurrect its meters
    }
    snapshot = buildSnapshot(vcpus, connected);
    listener.onSnapshot(this, snapshot);
  }

  private VmSnapshot buildSnapshot(List<VmSnapshot.Vcpu> vcpus, boolean connected) {
    VmWatch w = watch;
    return new VmSnapshot(
        key,
        name,
        uuid,
        endpoint.toString(),
        source,
        pid,
        connected,
        running,
        runState,
        w == null ? Phase.STARTUP : w.phase(),
        qemuVersion,
        kvm,
        statsSupported,
        List.copyOf(vcpus),
        w == null ? List.of() : w.activeHangs(),
        Instant.now());
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  private static Throwable rootCause(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public void close() {
    closed = true;
    connection.close();
  }
}
