package org.qmpsentinel.agent.supervisor;

import java.util.OptionalInt;
import java.util.concurrent.Executor;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtRegisters;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.Observation;
import org.qmpsentinel.hang.Ticker;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.hang.X86RegistersParser;

/**
 * The opt-in register read of a libvirt domain's suspected AP (see {@link LibvirtRegisters}),
 * admitted by the same intrusion policy as on the QMP route, one read at a time, its result fed to
 * the detector on the VM's pipeline. Confined to the VM's executor.
 */
final class LibvirtRegisterConfirmation {
  private final LibvirtRegisters reader;
  private final Executor executor;
  private final SupervisorListener listener;
  private final Ticker ticker;
  private boolean reading;

  LibvirtRegisterConfirmation(
      LibvirtRegisters reader, Executor executor, SupervisorListener listener, Ticker ticker) {
    this.reader = reader;
    this.executor = executor;
    this.listener = listener;
    this.ticker = ticker;
  }

  void confirmIfSuspected(VmState state, Reporter reporter) {
    VmWatch w = state.watch;
    OptionalInt target = w.confirmationTarget();
    if (target.isEmpty() || reading) {
      return;
    }
    int ap = target.getAsInt();
    IntrusionDecision decision =
        // The policy of the QEMU version libvirt reports (VmState.identified).
        w.requestIntrusion(state.policy.classifyHmp("info registers", OptionalInt.of(ap)));
    listener.onIntrusionDecision(reporter.snapshot(), "info registers", decision);
    if (!decision.allowed()) {
      return;
    }
    reading = true;
    reader
        .infoRegisters(state.uuid, ap)
        .whenComplete(
            (text, error) ->
                executor.execute(
                    () -> {
                      reading = false;
                      decision.close();
                      if (error != null || state.closed || w != state.watch) {
                        return; // refused or failed: the detector asks again
                      }
                      X86RegistersParser.parse(text, ap).values().stream()
                          .findFirst()
                          .ifPresent(
                              regs ->
                                  reporter.emit(
                                      w.observe(
                                          new Observation.Registers(ticker.nanos(), ap, regs))));
                    }));
  }
}
