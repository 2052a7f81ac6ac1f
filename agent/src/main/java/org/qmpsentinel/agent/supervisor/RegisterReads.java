package org.qmpsentinel.agent.supervisor;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.qmpsentinel.agent.supervisor.WatchedVm.HmpResult;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.hang.X86RegistersParser;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;

/**
 * The synchronizing HMP reads of one VM, both through the {@link IntrusionGate}: the register read
 * that confirms a suspected AP (its INIT is already lost, so reading it cannot lose another), and
 * an operator's HMP command. Confined to the VM's executor.
 */
final class RegisterReads {
  private final Supplier<IntrusionPolicy> policy;
  private final IntrusionGate gate;
  private final CommandRunner runner;
  private final Ticker ticker;

  RegisterReads(
      Supplier<IntrusionPolicy> policy, IntrusionGate gate, CommandRunner runner, Ticker ticker) {
    this.policy = policy;
    this.gate = gate;
    this.runner = runner;
    this.ticker = ticker;
  }

  /** Reads the suspected AP's registers when the detector names one and the policy allows it. */
  CompletableFuture<List<HangEvent>> confirmIfSuspected(QmpConnection c, VmWatch w) {
    OptionalInt target = w.confirmationTarget();
    if (target.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    int ap = target.getAsInt();
    Intrusion read = policy.get().classifyHmp("info registers", OptionalInt.of(ap));
    return gate.pass(
            w,
            read,
            () ->
                runner.run(
                    c, QmpCommands.humanMonitorCommand("info registers", OptionalInt.of(ap))))
        .handle(
            (gated, error) -> {
              if (error != null || !(gated instanceof Gated.Ran<String> ran)) {
                return List.<HangEvent>of(); // refused or failed: the detector asks again
              }
              return X86RegistersParser.parse(ran.value(), ap).values().stream()
                  .findFirst()
                  .map(regs -> w.observe(new Observation.Registers(ticker.nanos(), ap, regs)))
                  .orElse(List.of());
            });
  }

  /** An operator's HMP command: run only if the policy allows it now. */
  CompletableFuture<HmpResult> operatorHmp(
      QmpConnection c, VmWatch w, String commandLine, OptionalInt cpuIndex) {
    Intrusion intrusion = policy.get().classifyHmp(commandLine, cpuIndex);
    return gate.pass(
            w,
            intrusion,
            () -> runner.run(c, QmpCommands.humanMonitorCommand(commandLine, cpuIndex)))
        .thenApply(
            gated ->
                gated instanceof Gated.Ran<String> ran
                    ? new HmpResult(true, ran.decision().reason(), ran.value())
                    : new HmpResult(false, gated.decision().reason(), ""));
  }
}
