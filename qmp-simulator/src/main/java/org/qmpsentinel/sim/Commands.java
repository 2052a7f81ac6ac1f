package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The commands a negotiated monitor answers: what the agent sends (identification, query-status,
 * query-cpus-fast, query-stats, {@code info registers}) and what an operator or remediation may
 * send (stop, cont, system_reset). Anything else is QEMU's CommandNotFound, so a client that relies
 * on a command the simulator lacks fails loudly instead of getting invented data.
 */
final class Commands {
  private final Replies replies;
  private final Lifecycle lifecycle;
  private final LongSupplier nanoClock;

  Commands(Replies replies, Lifecycle lifecycle, LongSupplier nanoClock) {
    this.replies = replies;
    this.lifecycle = lifecycle;
    this.nanoClock = nanoClock;
  }

  void execute(
      SimulatedVm vm,
      String command,
      @Nullable JsonNode arguments,
      @Nullable JsonNode id,
      ByteBuf out) {
    switch (command) {
      case "query-status" -> replies.status(out, id, vm.running());
      case "query-cpus-fast" -> replies.cpusFast(out, id, vm);
      case "query-stats" ->
          replies.stats(out, id, vm, StatsFilter.of(arguments), nanoClock.getAsLong());
      case "query-name" -> replies.name(out, id, vm);
      case "query-uuid" -> replies.uuid(out, id, vm);
      case "query-commands" -> replies.commands(out, id);
      case "query-kvm" -> replies.kvm(out, id);
      case "query-version" -> replies.version(out, id);
      case "human-monitor-command" -> humanMonitorCommand(vm, arguments, id, out);
      case "stop" -> {
        lifecycle.stop(vm);
        replies.empty(out, id);
      }
      case "cont" -> {
        lifecycle.cont(vm);
        replies.empty(out, id);
      }
      case "system_reset" -> {
        // QEMU answers first and resets from its main loop; the new boot is a normal one, the
        // way a reset usually cures the hang (remediation).
        replies.empty(out, id);
        lifecycle.reboot(vm, BootKind.NORMAL, false);
      }
      default -> replies.commandNotFound(out, id, command);
    }
  }

  private void humanMonitorCommand(
      SimulatedVm vm, @Nullable JsonNode arguments, @Nullable JsonNode id, ByteBuf out) {
    String line = arguments == null ? "" : arguments.path("command-line").asString("").strip();
    JsonNode cpuIndex = arguments == null ? null : arguments.get("cpu-index");
    int cpu = cpuIndex == null ? 0 : cpuIndex.asInt(-1); // HMP's default CPU is the first
    if (cpu < 0 || cpu >= vm.vcpus()) {
      replies.error(out, id, replies.badCpuIndex);
    } else if (line.equals("info registers")) {
      replies.registers(out, id, cpu, vm.atResetVector(cpu, nanoClock.getAsLong()));
    } else {
      String word = line.isEmpty() ? "" : line.split("\\s+")[0];
      replies.string(out, id, "unknown command: '" + word + "'\r\n");
    }
  }
}
