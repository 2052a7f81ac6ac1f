package org.qmpsentinel.agent.supervisor;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.CpuInfoFast;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.StatusInfo;
import org.qmpsentinel.qmp.VcpuStats;

/**
 * Sends one poll of one VM: {@code query-status} always; {@code query-cpus-fast} on connect, on
 * RESET and every {@code cpusRefresh}; {@code query-stats} (vcpu, kvm — kicks vCPUs, never
 * synchronizes them) when the caller asks, through the intrusion gate. None of these writes vCPU
 * state back. Confined to the VM's executor.
 */
final class Poller {
  /** The KVM counters the detector uses; asking for only these keeps replies small. */
  static final List<String> KVM_COUNTERS = List.of("exits", "halt_exits");

  /** The vCPUs and, when read and admitted, their KVM counters. */
  record Replies(List<CpuInfoFast> cpus, boolean vcpusChanged, Optional<List<VcpuStats>> stats) {}

  private final SupervisorSettings settings;
  private final CommandRunner runner;
  private final IntrusionGate gate;
  private final Supplier<IntrusionPolicy> policy;
  private final Ticker ticker;
  private List<CpuInfoFast> cpus = List.of();
  private long cpusReadAtNanos;
  // Refreshes asked for, and how many of those a reply has answered. A poll already in flight when
  // a RESET asks for a refresh answers only the requests made before it was sent.
  private long refreshesAsked = 1;
  private long refreshesAnswered;

  Poller(
      SupervisorSettings settings,
      CommandRunner runner,
      IntrusionGate gate,
      Supplier<IntrusionPolicy> policy,
      Ticker ticker) {
    this.settings = settings;
    this.runner = runner;
    this.gate = gate;
    this.policy = policy;
    this.ticker = ticker;
  }

  /** The vCPU list may have changed (connect, RESET): re-read it with the next poll. */
  void refreshCpus() {
    refreshesAsked++;
  }

  /**
   * Sends the poll. {@code onStatus} sees the {@code query-status} reply as soon as it is
   * processed, in order with the VM's events, so a STOP that QEMU sent after that reply is never
   * overwritten by it.
   */
  CompletableFuture<Replies> send(
      QmpConnection c, VmWatch w, boolean withStats, Consumer<StatusInfo> onStatus) {
    long now = ticker.nanos();
    CompletableFuture<Void> statusF = runner.run(c, QmpCommands.queryStatus()).thenAccept(onStatus);
    long asked = refreshesAsked;
    boolean readCpus =
        refreshesAnswered < asked || now - cpusReadAtNanos > settings.cpusRefresh().toNanos();
    CompletableFuture<Optional<List<CpuInfoFast>>> cpusF =
        readCpus
            ? runner.run(c, QmpCommands.queryCpusFast()).thenApply(Optional::of)
            : CompletableFuture.completedFuture(Optional.empty());
    CompletableFuture<Optional<List<VcpuStats>>> statsF =
        withStats ? kvmStats(c, w) : CompletableFuture.completedFuture(Optional.empty());
    return CompletableFuture.allOf(statusF, cpusF, statsF)
        .thenApply(ignored -> replies(cpusF.join(), statsF.join(), asked));
  }

  private CompletableFuture<Optional<List<VcpuStats>>> kvmStats(QmpConnection c, VmWatch w) {
    Intrusion kick = policy.get().classifyQmp("query-stats", Map.of("target", "vcpu"));
    return gate.pass(w, kick, () -> runner.run(c, QmpCommands.queryVcpuStats(KVM_COUNTERS)))
        .thenApply(
            gated ->
                gated instanceof Gated.Ran<List<VcpuStats>> ran
                    ? Optional.of(ran.value())
                    : Optional.empty()); // refused: this poll goes without KVM counters
  }

  private Replies replies(
      Optional<List<CpuInfoFast>> fresh, Optional<List<VcpuStats>> stats, long askedAtSend) {
    boolean changed = false;
    if (fresh.isPresent()) {
      changed = !cpus.isEmpty() && !sameThreads(cpus, fresh.get());
      cpus = fresh.get();
      cpusReadAtNanos = ticker.nanos();
      refreshesAnswered = Math.max(refreshesAnswered, askedAtSend);
    }
    return new Replies(cpus, changed, stats);
  }

  private static boolean sameThreads(List<CpuInfoFast> a, List<CpuInfoFast> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).threadId() != b.get(i).threadId()) {
        return false;
      }
    }
    return true;
  }
}
