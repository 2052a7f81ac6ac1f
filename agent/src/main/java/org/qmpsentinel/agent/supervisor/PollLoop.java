package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.BaselineQuality;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.StatusInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM's polls: a timer per VM at the {@link PollCadence} the phase needs, at most one poll in
 * flight (a hung monitor delays only its own VM), an immediate poll on identification and on RESET,
 * and each poll's results fed to the detector in the order they arrive. Confined to the VM's
 * executor; the timer only submits a task to it.
 */
final class PollLoop {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);

  /** What a poll needs besides the VM's state. */
  record Parts(
      Poller poller,
      VcpuSampler sampler,
      PollCadence cadence,
      RegisterReads registers,
      Reporter reporter,
      SupervisorListener listener,
      SnapshotPublisher publisher) {}

  private final VmState state;
  private final Executor executor;
  private final ScheduledExecutorService timers;
  private final Ticker ticker;
  private final Parts parts;
  private boolean inFlight;
  private long resets;
  private @Nullable ScheduledFuture<?> nextTick;

  PollLoop(
      VmState state,
      Executor executor,
      ScheduledExecutorService timers,
      Ticker ticker,
      Parts parts) {
    this.state = state;
    this.executor = executor;
    this.timers = timers;
    this.ticker = ticker;
    this.parts = parts;
  }

  /** A connection was identified: what happened while we were away is unknown, poll as if new. */
  void onIdentified() {
    parts.poller().refreshCpus();
    parts.sampler().forget();
    parts.cadence().fastFrom(ticker.nanos());
    pollNow();
  }

  /** The connection is gone: its poll in flight will never complete here. */
  void onDisconnected() {
    inFlight = false;
  }

  /**
   * A new boot: its baseline is the next poll's counters, read before the firmware wakes the APs. A
   * poll already in flight was sent before the reset and will not count.
   */
  void onReset() {
    resets++;
    parts.poller().refreshCpus();
    parts.cadence().fastFrom(ticker.nanos());
    pollNow();
    scheduleNextTick();
  }

  void scheduleNextTick() {
    if (state.closed) {
      return;
    }
    cancelTick();
    long delay = parts.cadence().nextDelayNanos(state.watch.phase(), ticker.nanos());
    try {
      nextTick = timers.schedule(() -> executor.execute(this::tick), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: not polling any more: the agent is shutting down", state.name);
    }
  }

  void cancelTick() {
    if (nextTick != null) {
      nextTick.cancel(false);
      nextTick = null;
    }
  }

  private void tick() {
    nextTick = null;
    pollNow();
    scheduleNextTick();
  }

  /** Starts a poll unless one is in flight or the connection is not identified yet. */
  void pollNow() {
    QmpConnection c = state.current;
    VmWatch w = state.watch;
    if (state.closed || c == null || c != state.identified || inFlight) {
      return;
    }
    inFlight = true;
    long resetsAtSend = resets;
    long sentAt = ticker.nanos();
    // STEADY polls skip the counters, unless the boot has not ended for BOOT_STALLED_IN_FIRMWARE
    // (its BSP never halted and no OS was seen): then its halts still need counting.
    boolean withStats =
        state.kvmStats() && (parts.cadence().fast(w.phase(), sentAt) || w.wantsCounters());
    parts
        .poller()
        .send(c, w, withStats, status -> onStatus(c, w, status))
        .whenComplete(
            (replies, error) -> {
              if (c != state.current) {
                return;
              }
              inFlight = false;
              if (error != null) {
                log.debug("{}: poll failed: {}", state.name, CommandRunner.rootCause(error));
              } else if (resetsAtSend != resets) {
                pollNow(); // sent before a RESET: not the new boot's baseline; read it now
              } else {
                parts.listener().onPoll(parts.reporter().snapshot(), elapsedSince(sentAt));
                completePoll(c, w, replies, sentAt);
              }
            });
  }

  private Duration elapsedSince(long nanos) {
    return Duration.ofNanos(ticker.nanos() - nanos);
  }

  private void onStatus(QmpConnection c, VmWatch w, StatusInfo status) {
    if (c != state.current) {
      return;
    }
    state.running = status.running();
    state.runState = status.rawStatus();
    parts
        .reporter()
        .emit(
            w.observe(
                new Observation.RunStatus(ticker.nanos(), status.running(), status.rawStatus())));
  }

  private void completePoll(QmpConnection c, VmWatch w, Poller.Replies replies, long sentAt) {
    long now = ticker.nanos();
    if (replies.vcpusChanged()) {
      parts.cadence().fastFrom(now); // a new vCPU is in STARTUP until it has run
    }
    VcpuSampler.Sampled sampled =
        parts.sampler().sample(replies.cpus(), replies.stats(), state.pid, now);
    BaselineQuality before = w.baselineQuality();
    parts.reporter().emit(w.observe(new Observation.VcpuPoll(now, sentAt, sampled.samples())));
    BaselineQuality after = w.baselineQuality();
    if (before == BaselineQuality.PENDING && after != BaselineQuality.PENDING) {
      if (after == BaselineQuality.LATE) {
        log.info(
            "{}: this boot's counter baseline came late; its APs are judged on per-AP evidence"
                + " (a register read where counters cannot tell)",
            state.name);
      }
      parts.listener().onBaseline(parts.reporter().snapshot(), after);
    }
    state.vcpus = sampled.rows();
    parts.publisher().publish(state);
    parts.registers().confirmIfSuspected(c, w).thenAccept(parts.reporter()::emit);
  }
}
