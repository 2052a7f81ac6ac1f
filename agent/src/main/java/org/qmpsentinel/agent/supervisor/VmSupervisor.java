package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Observation.CommandOutcome;
import org.qmpsentinel.hang.Observation.CommandOutcome.Outcome;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.ConnectionState;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpSupervisor;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.qmpsentinel.qmp.StatusInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one VM: one confined pipeline. Every input — connection changes, QMP events, command
 * replies, poll ticks, operator requests — is a task on the VM's {@link SerialExecutor}, so the
 * state ({@link VmState}) is plain fields and observations reach the detector in the order they
 * arrive. Nothing here blocks: a QEMU whose monitor hangs only ever delays its own polls.
 *
 * <p>The jobs are split: {@link Identification} on connect, {@link Poller} for each poll at the
 * {@link PollCadence} the phase needs, {@link VcpuSampler} for procfs and counters, {@link
 * IntrusionGate} for every kicking or synchronizing command, {@link SnapshotPublisher} for what
 * other threads may read. This class routes between them.
 */
public final class VmSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);

  /** A monitor that floods events costs at most this many queued tasks; the rest are counted. */
  private static final int MAX_QUEUED_EVENTS = 1024;

  private static final Set<String> LIFECYCLE_EVENTS =
      Set.of("RESET", "SHUTDOWN", "STOP", "RESUME", "GUEST_PANICKED");

  private final SerialExecutor executor;
  private final VmState state;
  private final SupervisorSettings settings;
  private final SupervisorRuntime runtime;
  private final SupervisorListener listener;
  private final IntrusionPolicy policy = IntrusionPolicy.qemu72();
  private final CommandRunner runner;
  private final IntrusionGate gate;
  private final Poller poller;
  private final VcpuSampler sampler;
  private final PollCadence cadence;
  private final SnapshotPublisher publisher;
  private final RegisterReads registers;
  private final QmpSupervisor connection;

  /** Lifecycle events waiting in the pipeline; the only counters other threads touch. */
  private final AtomicInteger queuedEvents = new AtomicInteger();

  private final AtomicLong droppedEvents = new AtomicLong();

  // Confined to the executor, like VmState.
  private @Nullable QmpConnection current;
  private @Nullable QmpConnection identified;
  private @Nullable String lastFailure;
  private boolean pollInFlight;
  private long resets;
  private @Nullable ScheduledFuture<?> nextTick;
  private boolean closed;

  private VmSupervisor(
      DiscoveredVm vm,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener listener) {
    this.executor = new SerialExecutor(runtime.scheduler());
    // Watched from the start under discovery's identity, so that a monitor that never completes
    // identification is still reported (MONITOR_UNRESPONSIVE) with the same thresholds.
    this.state =
        new VmState(
            vm.key(),
            vm,
            VmWatch.create(
                new VmId(vm.uuid().orElse(vm.name()), vm.name(), vm.uuid().orElse("")),
                settings.detector(),
                runtime.ticker()));
    this.settings = settings;
    this.runtime = runtime;
    this.listener = listener;
    this.runner = new CommandRunner(runtime.ticker(), this::onCommand);
    this.gate = new IntrusionGate((cmd, d) -> listener.onIntrusionDecision(snapshot(), cmd, d));
    this.poller = new Poller(settings, runner, gate, policy, runtime.ticker());
    this.sampler = new VcpuSampler(runtime.proc());
    this.cadence =
        new PollCadence(
            settings.pollInterval(),
            settings.steadyPollInterval(),
            settings.jitter(),
            settings.detector().startupSettle());
    this.publisher = new SnapshotPublisher(state, listener::onSnapshot);
    this.registers = new RegisterReads(policy, gate, runner, runtime.ticker());
    this.connection =
        QmpSupervisor.start(
            runtime.client(),
            state.endpoint,
            runtime
                .client()
                .defaultOptions()
                .withCommandTimeout(settings.commandTimeout())
                // Replies complete straight on this VM's pipeline, in the order QEMU sent them.
                .withCallbackExecutor(executor),
            settings.backoff(),
            new QmpSupervisor.Listener() {
              @Override
              public void onStateChange(ConnectionState s, @Nullable Throwable cause) {
                executor.execute(() -> onConnectionState(s, cause));
              }

              @Override
              public void onConnected(QmpConnection c) {
                executor.execute(() -> onNewConnection(c));
              }
            });
    executor.execute(this::scheduleNextTick);
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
    return state.key;
  }

  /** The latest published snapshot; safe from any thread. */
  public VmSnapshot snapshot() {
    return publisher.latest();
  }

  /** The VM's identity as the detector knows it: its UUID, else its name. */
  public VmId vmId() {
    VmSnapshot s = snapshot();
    return new VmId(s.uuid().isEmpty() ? s.name() : s.uuid(), s.name(), s.uuid());
  }

  // ---- connection lifecycle (on the executor) --------------------------------------------------

  private void onConnectionState(ConnectionState s, @Nullable Throwable cause) {
    if (s == ConnectionState.BACKING_OFF || s == ConnectionState.CLOSED) {
      boolean wasIdentified = identified != null;
      current = null;
      identified = null;
      pollInFlight = false;
      state.connected = false;
      long now = runtime.ticker().nanos();
      emit(state.watch.observe(new Observation.Disconnected(now)));
      if (cause != null && s == ConnectionState.BACKING_OFF) {
        if (cause instanceof QmpTimeoutException
            || cause.getCause() instanceof QmpTimeoutException) {
          // No greeting (or no capabilities reply) in time from a live process: the monitor is
          // as unresponsive as one whose commands time out.
          emit(state.watch.observe(new CommandOutcome(now, "connect", Outcome.TIMEOUT, alive())));
        }
        failure(wasIdentified ? "connection lost" : "connecting failed", cause);
      }
      publisher.publish(state);
      listener.onConnectionChange(snapshot(), false);
    }
    if (s == ConnectionState.CONNECTING && connection.reconnects() > 0) {
      listener.onReconnect(snapshot());
    }
  }

  private void onNewConnection(QmpConnection c) {
    if (closed) {
      c.close();
      return;
    }
    current = c;
    c.peerCredentials().ifPresent(cred -> state.pid = cred.pid());
    // Delivered inline on the event loop only to be queued here: events and replies then enter
    // the pipeline in wire order (a subscription's own drain task could overtake a reply).
    c.subscribe(e -> LIFECYCLE_EVENTS.contains(e.name()), e -> queueEvent(c, e), Runnable::run);
    Identification.identify(c, runner, state.name, settings.kvmStats())
        .whenComplete(
            (id, error) -> {
              if (c != current) {
                return; // a newer connection took over
              }
              if (error != null) {
                failure("identifying the VM failed", CommandRunner.rootCause(error));
                c.close(); // the QMP supervisor reconnects with backoff
                return;
              }
              onIdentified(c, id);
            });
  }

  private void onIdentified(QmpConnection c, Identity id) {
    state.identified(id);
    identified = c;
    lastFailure = null;
    long now = runtime.ticker().nanos();
    VmId vmId = id.vmId();
    VmWatch w = state.watch;
    if (!w.vm().equals(vmId)) {
      // The monitor answered: whatever was raised under discovery's name is over.
      emit(w.observe(new CommandOutcome(now, "identification", Outcome.OK, true)));
      w = VmWatch.create(vmId, settings.detector(), runtime.ticker());
      state.watch = w;
    }
    state.connected = true;
    emit(
        w.observe(
            new Observation.Connected(
                now, id.qemuVersion(), id.qemuPackage(), id.kvm(), id.status().running())));
    poller.refreshCpus();
    sampler.forget();
    cadence.fastFrom(now); // what happened while we were away is unknown: poll as if starting
    listener.onConnectionChange(snapshot(), true);
    log.info(
        "{}: connected ({}, QEMU {}, kvm={}, query-stats={}, pid={})",
        state.name,
        state.endpoint,
        id.qemuVersion(),
        id.kvm(),
        id.kvmStats(),
        state.pid);
    pollNow();
  }

  /** On the event loop: queue the event unless a flood already filled this VM's share. */
  private void queueEvent(QmpConnection c, QmpEvent event) {
    if (queuedEvents.incrementAndGet() > MAX_QUEUED_EVENTS) {
      queuedEvents.decrementAndGet();
      droppedEvents.incrementAndGet();
      return;
    }
    executor.execute(
        () -> {
          queuedEvents.decrementAndGet();
          state.eventsDropped = droppedEvents.get();
          onEvent(c, event);
        });
  }

  private void onEvent(QmpConnection c, QmpEvent event) {
    VmWatch w = state.watch;
    if (c != current) {
      return;
    }
    LifecycleEvent lifecycle = LifecycleEvent.valueOf(event.name());
    switch (lifecycle) {
      case STOP, SHUTDOWN, GUEST_PANICKED -> state.running = false;
      case RESUME -> state.running = true;
      default -> {}
    }
    long now = runtime.ticker().nanos();
    emit(w.observe(new Observation.Lifecycle(now, lifecycle)));
    if (lifecycle == LifecycleEvent.RESET) {
      // A new boot: its baseline is the next poll's counters, read before the firmware wakes the
      // APs. A poll already in flight was sent before the reset and will not count.
      resets++;
      poller.refreshCpus();
      cadence.fastFrom(now);
      pollNow();
      scheduleNextTick();
    }
  }

  // ---- polling (on the executor) ---------------------------------------------------------------

  private void tick() {
    nextTick = null;
    pollNow();
    scheduleNextTick();
  }

  private void scheduleNextTick() {
    if (closed) {
      return;
    }
    if (nextTick != null) {
      nextTick.cancel(false);
    }
    VmWatch w = state.watch;
    long now = runtime.ticker().nanos();
    long delay = cadence.nextDelayNanos(w.phase(), now);
    try {
      nextTick =
          runtime
              .scheduler()
              .schedule(() -> executor.execute(this::tick), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: not polling any more: the agent is shutting down", state.name);
    }
  }

  /** Starts a poll unless one is in flight (a hung monitor delays only its own VM). */
  private void pollNow() {
    QmpConnection c = current;
    VmWatch w = state.watch;
    if (closed || c == null || c != identified || pollInFlight) {
      return;
    }
    pollInFlight = true;
    long resetsAtSend = resets;
    long now = runtime.ticker().nanos();
    long sentAt = now;
    boolean withStats = state.kvmStats() && cadence.fast(w.phase(), now);
    poller
        .send(c, w, withStats, status -> onStatus(c, w, status))
        .whenComplete(
            (replies, error) -> {
              if (c != current) {
                return;
              }
              pollInFlight = false;
              if (error != null) {
                log.debug("{}: poll failed: {}", state.name, CommandRunner.rootCause(error));
              } else if (resetsAtSend != resets) {
                pollNow(); // sent before a RESET: not the new boot's baseline; read it now
              } else {
                listener.onPoll(snapshot(), Duration.ofNanos(runtime.ticker().nanos() - sentAt));
                completePoll(c, w, replies, sentAt);
              }
            });
  }

  private void onStatus(QmpConnection c, VmWatch w, StatusInfo status) {
    if (c != current) {
      return;
    }
    state.running = status.running();
    state.runState = status.rawStatus();
    emit(
        w.observe(
            new Observation.RunStatus(
                runtime.ticker().nanos(), status.running(), status.rawStatus())));
  }

  private void completePoll(QmpConnection c, VmWatch w, Poller.Replies replies, long sentAt) {
    long now = runtime.ticker().nanos();
    if (replies.vcpusChanged()) {
      cadence.fastFrom(now); // a new vCPU is in STARTUP until it has run
    }
    VcpuSampler.Sampled sampled = sampler.sample(replies.cpus(), replies.stats(), state.pid, now);
    BaselineQuality before = w.baselineQuality();
    emit(w.observe(new Observation.VcpuPoll(now, sentAt, sampled.samples())));
    BaselineQuality after = w.baselineQuality();
    if (before == BaselineQuality.PENDING && after != BaselineQuality.PENDING) {
      if (after == BaselineQuality.LATE) {
        log.info(
            "{}: this boot's counter baseline came late; its APs are judged on per-AP evidence"
                + " (a register read where counters cannot tell)",
            state.name);
      }
      listener.onBaseline(snapshot(), after);
    }
    state.vcpus = sampled.rows();
    publisher.publish(state);
    registers.confirmIfSuspected(c, w).thenAccept(this::emit);
  }

  // ---- operator requests (any thread) ----------------------------------------------------------

  /** Outcome of an operator's HMP request. */
  public record HmpResult(boolean allowed, String reason, String output) {}

  /**
   * Runs an HMP command only if the intrusion policy allows it now; otherwise completes with {@code
   * allowed=false} and the reason.
   */
  public CompletableFuture<HmpResult> runHmp(String commandLine, OptionalInt cpuIndex) {
    CompletableFuture<HmpResult> result = new CompletableFuture<>();
    executor.execute(
        () -> {
          QmpConnection c = identified;
          VmWatch w = state.watch;
          if (c == null) {
            result.complete(
                new HmpResult(false, "not_connected: the VM's monitor is not connected", ""));
            return;
          }
          registers.operatorHmp(c, w, commandLine, cpuIndex).whenComplete(forward(result));
        });
    return result;
  }

  /** Runs a responder's action on this VM's pipeline and reports how it ended. */
  private void perform(VmAction action) {
    QmpConnection c = current;
    if (c == null) {
      runtime.responder().onOutcome(snapshot(), action, new IllegalStateException("not connected"));
      return;
    }
    if (action instanceof VmAction.SystemReset) {
      runner
          .run(c, QmpCommands.systemReset())
          .whenComplete(
              (ok, error) ->
                  runtime
                      .responder()
                      .onOutcome(
                          snapshot(),
                          action,
                          error == null ? null : CommandRunner.rootCause(error)));
    }
  }

  private static <T> java.util.function.BiConsumer<T, Throwable> forward(
      CompletableFuture<T> target) {
    return (value, error) -> {
      if (error != null) {
        target.completeExceptionally(CommandRunner.rootCause(error));
      } else {
        target.complete(value);
      }
    };
  }

  // ---- reporting (on the executor) -------------------------------------------------------------

  private void onCommand(String command, Duration latency, @Nullable Throwable failure) {
    boolean timeout = failure instanceof QmpTimeoutException;
    listener.onCommand(
        snapshot(), command, latency, failure == null ? "ok" : timeout ? "timeout" : "error");
    if (failure == null || timeout) {
      emit(
          state.watch.observe(
              new CommandOutcome(
                  runtime.ticker().nanos(),
                  command,
                  timeout ? Outcome.TIMEOUT : Outcome.OK,
                  !timeout || alive())));
    }
  }

  /** Whether the VM's QEMU process still exists; assumed when its pid is unknown. */
  private boolean alive() {
    return state.pid <= 0 || runtime.proc().processAlive(state.pid);
  }

  /** Logs a failure at WARN when its kind changes, at DEBUG while it repeats. */
  private void failure(String what, Throwable cause) {
    String line = what + ": " + cause;
    if (!line.equals(lastFailure)) {
      log.warn("{}: {} (retrying with backoff; repeats are logged at DEBUG)", state.name, line);
      lastFailure = line;
    } else {
      log.debug("{}: {}", state.name, line);
    }
  }

  private void emit(List<HangEvent> events) {
    for (HangEvent e : events) {
      log.info("{}: {} {} — {}", e.vm().name(), e.kind(), e.state(), e.evidence().summary());
      listener.onHangEvent(snapshot(), e);
      runtime.responder().respond(snapshot(), e).ifPresent(this::perform);
    }
    if (!events.isEmpty()) {
      publisher.publish(state);
    }
  }

  @Override
  public void close() {
    executor.execute(
        () -> {
          closed = true;
          publisher.close();
          listener.onVanished(state.key);
          if (nextTick != null) {
            nextTick.cancel(false);
          }
        });
    connection.close();
  }
}
