package org.qmpsentinel.agent.supervisor;

import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.hang.X86Registers;
import org.qmpsentinel.hang.X86RegistersParser;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one vCPU's registers of one VM per tick ({@code info registers} with {@code cpu-index}),
 * always through the {@link IntrusionGate}, so the policy decides: in STARTUP only the BSP (an AP
 * may sit between INIT and SIPI), in STEADY one synchronizing command at a time at the policy's
 * rate, never a vCPU that appeared after boot and has not run. It picks its candidates so that the
 * gate rarely has to refuse: nothing while the VM is paused or disconnected, nothing while the
 * detector waits for a confirmation read (that read goes first), the BSP alone in STARTUP, and in
 * STEADY the configured vCPUs round-robin. Each sample goes to the snapshot and to the detector.
 * Confined to the VM's executor; the timer only submits a task to it.
 */
final class RegisterSampler {
  private static final Logger log = LoggerFactory.getLogger(VmSupervisor.class);
  private static final String COMMAND = "info registers";

  private final VmState state;
  private final Executor executor;
  private final ScheduledExecutorService timers;
  private final Ticker ticker;
  private final IntrusionGate gate;
  private final CommandRunner runner;
  private final Reporter reporter;
  private final SnapshotPublisher publisher;
  private final RegisterSettings settings;
  private final double jitter;
  private boolean inFlight;
  private int nextIndex;
  private @Nullable ScheduledFuture<?> nextTick;

  RegisterSampler(
      VmState state,
      Executor executor,
      ScheduledExecutorService timers,
      Ticker ticker,
      IntrusionGate gate,
      CommandRunner runner,
      Reporter reporter,
      SnapshotPublisher publisher,
      RegisterSettings settings,
      double jitter) {
    this.state = state;
    this.executor = executor;
    this.timers = timers;
    this.ticker = ticker;
    this.gate = gate;
    this.runner = runner;
    this.reporter = reporter;
    this.publisher = publisher;
    this.settings = settings;
    this.jitter = jitter;
  }

  void scheduleNextTick() {
    if (state.closed || !settings.enabled()) {
      return;
    }
    cancelTick();
    long base = settings.interval().toNanos();
    long now = ticker.nanos();
    long due =
        now + (long) (base * (1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1)));
    // On the polls' 50 ms slots: one wake-up of the pipeline pool serves the samples and polls of
    // every VM due in that slot, instead of one wake-up (and thread hand-off) per sample.
    long delay = Math.max(0, PollCadence.ceilToSlot(due) - now);
    try {
      nextTick = timers.schedule(() -> executor.execute(this::tick), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: not sampling registers any more: the agent is shutting down", state.name);
    }
  }

  void cancelTick() {
    if (nextTick != null) {
      nextTick.cancel(false);
      nextTick = null;
    }
  }

  /** The connection is gone: a sample in flight will never complete here. */
  void onDisconnected() {
    inFlight = false;
  }

  private void tick() {
    nextTick = null;
    sampleNow();
    scheduleNextTick();
  }

  /** Samples one vCPU now if the VM is connected, running, and a candidate exists. */
  void sampleNow() {
    QmpConnection c = state.identified;
    VmWatch w = state.watch;
    if (state.closed || c == null || c != state.current || inFlight || !state.running) {
      return;
    }
    if (w.confirmationTarget().isPresent()) {
      return; // the detector's own read decides a hang: it gets the sync budget
    }
    OptionalInt cpu = nextCandidate(w);
    if (cpu.isEmpty()) {
      return;
    }
    int index = cpu.getAsInt();
    Intrusion read = state.policy.classifyHmp(COMMAND, cpu);
    inFlight = true;
    CompletableFuture<Gated<String>> sent;
    try {
      sent = gate.pass(w, read, () -> runner.run(c, QmpCommands.humanMonitorCommand(COMMAND, cpu)));
    } catch (RuntimeException e) {
      inFlight = false;
      log.debug("{}: register sample of vCPU {} not sent: {}", state.name, index, e.toString());
      return;
    }
    sent.whenComplete(
        (gated, error) -> {
          if (c != state.current) {
            return;
          }
          inFlight = false;
          if (error != null) {
            log.debug(
                "{}: register sample of vCPU {} failed: {}",
                state.name,
                index,
                CommandRunner.rootCause(error));
          } else if (gated instanceof Gated.Ran<String> ran) {
            record(w, index, ran.value());
          }
        });
  }

  private void record(VmWatch w, int cpu, String text) {
    X86Registers regs = X86RegistersParser.parse(text, cpu).get(cpu);
    if (regs == null) {
      log.debug("{}: unparsable register sample of vCPU {}", state.name, cpu);
      return;
    }
    state.registers.put(cpu, new VmSnapshot.RegisterSample(cpu, Instant.now(), regs));
    reporter.emit(w.observe(new Observation.Registers(ticker.nanos(), cpu, regs)));
    publisher.publish(state);
  }

  /**
   * In STARTUP the BSP (the lowest cpu-index) if it is configured; in STEADY the next configured
   * vCPU after the last one, skipping those that appeared after boot and have not run.
   */
  private OptionalInt nextCandidate(VmWatch w) {
    List<Integer> present = state.vcpus.stream().map(VmSnapshot.Vcpu::index).sorted().toList();
    if (present.isEmpty()) {
      return OptionalInt.empty();
    }
    state.registers.keySet().retainAll(present);
    List<Integer> wanted =
        settings.vcpus().isEmpty()
            ? present
            : present.stream().filter(settings.vcpus()::contains).toList();
    if (w.phase() == Phase.STARTUP) {
      int bsp = present.get(0);
      return wanted.contains(bsp) ? OptionalInt.of(bsp) : OptionalInt.empty();
    }
    Set<Integer> starting = w.startingVcpus();
    for (int i = 0; i < wanted.size(); i++) {
      int candidate = wanted.get((nextIndex + i) % wanted.size());
      if (!starting.contains(candidate)) {
        nextIndex = (nextIndex + i + 1) % wanted.size();
        return OptionalInt.of(candidate);
      }
    }
    return OptionalInt.empty();
  }
}
