package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.PrintStream;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Run-state changes of a VM and the events they emit to its negotiated monitor connections. Each
 * stuck boot is announced on stdout ({@code sim: stuck-start vm=... epoch_ms=...}) so a benchmark
 * can time the agent's detection from it.
 */
final class Lifecycle {
  private final Events events;
  private final PrintStream out;
  private final LongSupplier nanoClock;

  Lifecycle(Events events, PrintStream out, LongSupplier nanoClock) {
    this.events = events;
    this.out = out;
    this.nanoClock = nanoClock;
  }

  /** A reset: from inside the guest ({@code guest}) or by system_reset. */
  void reboot(SimulatedVm vm, BootKind kind, boolean guest) {
    vm.reboot(nanoClock.getAsLong(), kind);
    long micros = epochMicros();
    broadcast(vm, buf -> events.reset(buf, guest, micros));
    if (kind == BootKind.STUCK) {
      announceStuck(vm, micros / 1000);
    } else {
      say("reboot vm=" + vm.name() + " epoch_ms=" + micros / 1000);
    }
  }

  void announceStuck(SimulatedVm vm, long epochMillis) {
    say("stuck-start vm=" + vm.name() + " epoch_ms=" + epochMillis);
  }

  /** {@code stop}: STOP is emitted before the command's reply, as QEMU's vm_stop does. */
  void stop(SimulatedVm vm) {
    if (vm.pause(nanoClock.getAsLong())) {
      long micros = epochMicros();
      broadcast(vm, buf -> events.stop(buf, micros));
    }
  }

  void cont(SimulatedVm vm) {
    if (vm.resume(nanoClock.getAsLong())) {
      long micros = epochMicros();
      broadcast(vm, buf -> events.resume(buf, micros));
    }
  }

  void say(String line) {
    // One println per line: PrintStream is synchronized, so lines from event loops never mix.
    out.println("sim: " + line);
  }

  private static void broadcast(SimulatedVm vm, Consumer<ByteBuf> render) {
    for (Channel ch : vm.sessions()) {
      ByteBuf buf = ch.alloc().buffer(192);
      render.accept(buf);
      ch.writeAndFlush(buf);
    }
  }

  private static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
  }
}
