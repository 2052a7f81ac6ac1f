package org.qmpsentinel.agent.supervisor;

import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Observation.CommandOutcome.Outcome;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.ConnectionState;
import org.qmpsentinel.qmp.QmpConnectException;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM's side of its QMP connections: each new connection is identified, its lifecycle events
 * enter the pipeline in wire order, and losses and failures are reported — to the detector as
 * liveness evidence (a monitor that never greets or never answers identification becomes
 * MONITOR_UNRESPONSIVE like one whose polls time out), to the log once per change. Confined to the
 * VM's executor, except {@link #queueEvent}, which the event loop calls.
 */
final class MonitorSession {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);
  private static final Set<String> LIFECYCLE_EVENTS =
      Set.of("RESET", "SHUTDOWN", "STOP", "RESUME", "GUEST_PANICKED");

  /** A monitor that floods events costs at most this many queued tasks; the rest are counted. */
  private static final int MAX_QUEUED_EVENTS = 1024;

  private final VmState state;
  private final Executor executor;
  private final SupervisorSettings settings;
  private final Ticker ticker;
  private final CommandRunner runner;
  private final Reporter reporter;
  private final PollLoop polls;
  private final RegisterSampler sampler;
  private final SupervisorListener listener;
  private final SnapshotPublisher publisher;
  // The only fields other threads touch: the event loop counts what it queued for this VM.
  private final AtomicInteger queuedEvents = new AtomicInteger();
  private final AtomicLong droppedEvents = new AtomicLong();
  private @Nullable String lastFailure;
  private boolean everConnected;
  private boolean closedByUs;

  MonitorSession(
      VmState state,
      Executor executor,
      SupervisorSettings settings,
      Ticker ticker,
      CommandRunner runner,
      Reporter reporter,
      PollLoop polls,
      RegisterSampler sampler,
      SupervisorListener listener,
      SnapshotPublisher publisher) {
    this.state = state;
    this.executor = executor;
    this.settings = settings;
    this.ticker = ticker;
    this.runner = runner;
    this.reporter = reporter;
    this.polls = polls;
    this.sampler = sampler;
    this.listener = listener;
    this.publisher = publisher;
  }

  void onStateChange(ConnectionState s, @Nullable Throwable cause) {
    if (s == ConnectionState.BACKING_OFF || s == ConnectionState.CLOSED) {
      boolean wasIdentified = state.identified != null;
      state.current = null;
      state.identified = null;
      state.connected = false;
      polls.onDisconnected();
      sampler.onDisconnected();
      reporter.emit(state.watch.observe(new Observation.Disconnected(ticker.nanos())));
      if (cause != null && s == ConnectionState.BACKING_OFF) {
        if (cause instanceof QmpTimeoutException
            || cause.getCause() instanceof QmpTimeoutException
            || cause instanceof QmpConnectException e && e.peerUnresponsive()) {
          // No greeting (or no capabilities reply) in time from a live process, or a unix
          // socket whose backlog is full because the process stopped accepting: the monitor is
          // as unresponsive as one whose commands time out.
          reporter.outcome("connect", Outcome.TIMEOUT);
        }
        if (!closedByUs) {
          failure(wasIdentified ? "connection lost" : "connecting failed", cause);
        }
        closedByUs = false;
      }
      publisher.publish(state);
      listener.onConnectionChange(reporter.snapshot(), false);
    }
    if (s == ConnectionState.CONNECTING && everConnected) {
      listener.onReconnect(reporter.snapshot());
    }
  }

  void onConnected(QmpConnection c) {
    if (state.closed) {
      c.close();
      return;
    }
    state.current = c;
    everConnected = true;
    c.peerCredentials().ifPresent(cred -> state.pid = cred.pid());
    // Delivered inline on the event loop only to be queued here: events and replies then enter
    // the pipeline in wire order (a subscription's own drain task could overtake a reply).
    c.subscribe(e -> LIFECYCLE_EVENTS.contains(e.name()), e -> queueEvent(c, e), Runnable::run);
    Identification.identify(c, runner, state.name, settings.kvmStats())
        .whenComplete(
            (id, error) -> {
              if (c != state.current) {
                return; // a newer connection took over
              }
              if (error != null) {
                failure("identifying the VM failed", CommandRunner.rootCause(error));
                closedByUs = true; // the loss that follows is this failure, already logged
                c.close(); // the QMP supervisor reconnects with backoff
                return;
              }
              onIdentified(c, id);
            });
  }

  private void onIdentified(QmpConnection c, Identity id) {
    state.identified(id);
    state.identified = c;
    lastFailure = null;
    VmId vmId = id.vmId();
    VmWatch w = state.watch;
    if (!w.vm().equals(vmId)) {
      // The monitor answered: whatever was raised under discovery's name is over.
      reporter.outcome("identification", Outcome.OK);
      w = VmWatch.create(vmId, settings.detector(), ticker);
      state.watch = w;
    }
    state.connected = true;
    reporter.emit(
        w.observe(
            new Observation.Connected(
                ticker.nanos(),
                id.qemuVersion(),
                id.qemuPackage(),
                id.kvm(),
                id.status().running())));
    listener.onConnectionChange(reporter.snapshot(), true);
    log.info(
        "{}: connected ({}, QEMU {}, policy {}, kvm={}, query-stats={}, pid={})",
        state.name,
        state.endpoint,
        id.qemuVersion(),
        state.policy.name(),
        id.kvm(),
        id.kvmStats(),
        state.pid);
    polls.onIdentified();
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
    if (c != state.current) {
      return;
    }
    LifecycleEvent lifecycle = LifecycleEvent.valueOf(event.name());
    switch (lifecycle) {
      case STOP, SHUTDOWN, GUEST_PANICKED -> state.running = false;
      case RESUME -> state.running = true;
      default -> {}
    }
    reporter.emit(state.watch.observe(new Observation.Lifecycle(ticker.nanos(), lifecycle)));
    if (lifecycle == LifecycleEvent.RESET) {
      polls.onReset();
    }
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
}
