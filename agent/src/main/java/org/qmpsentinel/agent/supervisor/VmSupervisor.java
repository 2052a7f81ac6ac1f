package org.qmpsentinel.agent.supervisor;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.VmId;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.ConnectionState;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpSupervisor;

/**
 * Watches one VM: one confined pipeline. Every input — connection changes, QMP events, command
 * replies, poll ticks, operator requests — is a task on the VM's {@link SerialExecutor}, so the
 * state ({@link VmState}) is plain fields and observations reach the detector in the order they
 * arrive. Nothing blocks: a QEMU whose monitor hangs only ever delays its own polls.
 *
 * <p>The jobs: {@link MonitorSession} (connections, {@link Identification}, events), {@link
 * PollLoop} ({@link Poller} at the {@link PollCadence} the phase needs, {@link VcpuSampler}),
 * {@link IntrusionGate} for every kicking or synchronizing command ({@link RegisterReads}, {@link
 * RegisterSampler}), {@link Reporter} for what goes downstream and {@link SnapshotPublisher} for
 * what other threads may read. This class wires them and is the VM's public face.
 */
public final class VmSupervisor implements WatchedVm {
  private final SerialExecutor executor;
  private final VmState state;
  private final SnapshotPublisher publisher;
  private final RegisterReads registers;
  private final RegisterSampler sampler;
  private final PollLoop polls;
  private final SupervisorListener listener;
  private final QmpSupervisor connection;
  // The identified connection, for consumers beside the API (the proxy); written on the pipeline.
  private volatile @Nullable QmpConnection upstream;

  private VmSupervisor(
      DiscoveredVm vm,
      SupervisorSettings settings,
      SupervisorRuntime runtime,
      SupervisorListener downstream) {
    this.executor = new SerialExecutor(runtime.scheduler());
    SupervisorListener upstreamTracker =
        new SupervisorListener() {
          @Override
          public void onConnectionChange(VmSnapshot vm, boolean connected) {
            upstream = connected ? state.identified : null; // on the pipeline: state is ours
          }
        };
    // The tracker first: a listener told "connected" finds upstream() already set.
    SupervisorListener listener = new CompositeListener(List.of(upstreamTracker, downstream));
    this.listener = listener;
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
    this.publisher = new SnapshotPublisher(state, listener::onSnapshot);
    Reporter reporter =
        new Reporter(
            state, listener, runtime.responder(), publisher, runtime.proc(), runtime.ticker());
    CommandRunner runner = new CommandRunner(runtime.ticker(), reporter::onCommand);
    reporter.runActionsWith(runner);
    IntrusionGate gate =
        new IntrusionGate((cmd, d) -> listener.onIntrusionDecision(publisher.latest(), cmd, d));
    // The QEMU version's policy, once identification has read it from the greeting.
    Supplier<IntrusionPolicy> policy = () -> state.policy;
    this.registers = new RegisterReads(policy, gate, runner, runtime.ticker());
    this.sampler =
        new RegisterSampler(
            state,
            executor,
            runtime.scheduler(),
            runtime.ticker(),
            gate,
            runner,
            reporter,
            publisher,
            settings.registers(),
            settings.jitter());
    this.polls =
        new PollLoop(
            state,
            executor,
            runtime.scheduler(),
            runtime.ticker(),
            new PollLoop.Parts(
                new Poller(settings, runner, gate, policy, runtime.ticker()),
                new VcpuSampler(runtime.proc()),
                new PollCadence(
                    settings.pollInterval(),
                    settings.steadyPollInterval(),
                    settings.jitter(),
                    settings.detector().startupSettle()),
                registers,
                reporter,
                listener,
                publisher));
    MonitorSession session =
        new MonitorSession(
            state,
            executor,
            settings,
            runtime.ticker(),
            runner,
            reporter,
            polls,
            sampler,
            listener,
            publisher);
    this.connection =
        runtime
            .client()
            .supervise(
                vm.endpoint(),
                runtime
                    .client()
                    .defaultOptions()
                    .withCommandTimeout(settings.commandTimeout())
                    // Replies complete straight on this VM's pipeline, in the order QEMU sent them.
                    .withCallbackExecutor(executor)
                    // Only the proxy's clients send exec-oob; the agent's own commands never do.
                    .withRequestOob(settings.requestOob()),
                settings.backoff(),
                new QmpSupervisor.Listener() {
                  @Override
                  public void onStateChange(ConnectionState s, @Nullable Throwable cause) {
                    executor.execute(() -> session.onStateChange(s, cause));
                  }

                  @Override
                  public void onConnected(QmpConnection c) {
                    executor.execute(() -> session.onConnected(c));
                  }
                });
    executor.execute(polls::scheduleNextTick);
    executor.execute(sampler::scheduleNextTick);
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

  @Override
  public String key() {
    return state.key;
  }

  /** The latest published snapshot; safe from any thread. */
  @Override
  public VmSnapshot snapshot() {
    return publisher.latest();
  }

  /**
   * The VM's identified QMP session, for consumers beside the API that forward their own commands
   * over it (the proxy); empty while the monitor is not connected and identified.
   */
  public Optional<QmpConnection> upstream() {
    return Optional.ofNullable(upstream);
  }

  /**
   * Asks the VM's intrusion policy, on the VM's pipeline, whether a classified command may run now;
   * the decision is reported like the agent's own. Close an allowed decision once the command has
   * finished (any thread).
   */
  public CompletableFuture<IntrusionDecision> admit(Intrusion intrusion) {
    CompletableFuture<IntrusionDecision> result = new CompletableFuture<>();
    executor.execute(
        () -> {
          if (state.identified == null) {
            result.complete(
                IntrusionDecision.deny("not_connected", "the VM's monitor is not connected"));
            return;
          }
          IntrusionDecision decision = state.watch.requestIntrusion(intrusion);
          listener.onIntrusionDecision(publisher.latest(), intrusion.command(), decision);
          result.complete(decision);
        });
    return result;
  }

  /**
   * Runs an HMP command on the VM's pipeline, only if the intrusion policy allows it now; otherwise
   * completes with {@code allowed=false} and the reason.
   */
  @Override
  public CompletableFuture<HmpResult> runHmp(String commandLine, OptionalInt cpuIndex) {
    CompletableFuture<HmpResult> result = new CompletableFuture<>();
    executor.execute(
        () -> {
          QmpConnection c = state.identified;
          if (c == null) {
            result.complete(
                new HmpResult(false, "not_connected: the VM's monitor is not connected", ""));
            return;
          }
          registers
              .operatorHmp(c, state.watch, commandLine, cpuIndex)
              .whenComplete(
                  (value, error) -> {
                    if (error != null) {
                      result.completeExceptionally(CommandRunner.rootCause(error));
                    } else {
                      result.complete(value);
                    }
                  });
        });
    return result;
  }

  @Override
  public void close() {
    executor.execute(
        () -> {
          state.closed = true;
          publisher.close();
          polls.cancelTick();
          sampler.cancelTick();
          listener.onVanished(state.key);
        });
    connection.close();
  }
}
