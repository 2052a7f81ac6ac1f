package org.qmpsentinel.sim;

import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One fake QEMU: identity, vCPU threads, run state and the current boot. Counters are cumulative
 * since the (simulated) vCPU threads were created, as KVM's are, and survive a reset: a reboot
 * freezes them as the new boot's base and the boot's {@link CounterModel} adds to that.
 *
 * <p>State changes come from a VM's own event loop (its monitor's commands) and from the fleet's
 * reboot timer, so the few fields are guarded by the instance lock; every access is a handful of
 * arithmetic operations.
 */
final class SimulatedVm {
  private final int index;
  private final String name;
  private final String uuid;
  private final Behavior behavior;
  private final long[] threadIds;
  private final CounterModel model;
  private final List<Channel> sessions = new CopyOnWriteArrayList<>();

  private boolean running = true;
  private long guestNanosAtResume; // guest (running) time accumulated before the last resume
  private long resumedAtNanos;
  private long bootStartGuestNanos;
  private long[] baseExits;
  private long[] baseHalts;
  private BootKind bootKind;

  /**
   * @param uptimeNanos how long ago (guest time) the current boot began; 0 for a boot starting now
   */
  SimulatedVm(
      int index,
      Behavior behavior,
      long[] threadIds,
      CounterModel model,
      BootKind firstBoot,
      long uptimeNanos,
      long nowNanos) {
    this.index = index;
    this.name = String.format("vm-%05d", index);
    this.uuid = String.format("5e1f0c3a-7d2b-4c59-9a61-%012x", index);
    this.behavior = behavior;
    this.threadIds = threadIds.clone();
    this.model = model;
    this.resumedAtNanos = nowNanos;
    this.bootStartGuestNanos = -uptimeNanos;
    this.baseExits = new long[threadIds.length];
    this.baseHalts = new long[threadIds.length];
    this.bootKind = firstBoot;
  }

  int index() {
    return index;
  }

  String name() {
    return name;
  }

  String uuid() {
    return uuid;
  }

  Behavior behavior() {
    return behavior;
  }

  int vcpus() {
    return threadIds.length;
  }

  long threadId(int cpu) {
    return threadIds[cpu];
  }

  /** The monitor connections that negotiated capabilities (events go to them). */
  List<Channel> sessions() {
    return sessions;
  }

  synchronized boolean running() {
    return running;
  }

  synchronized BootKind bootKind() {
    return bootKind;
  }

  /** Fills {@code exits} and {@code halts} (one slot per vCPU) with the counters at {@code now}. */
  synchronized void counters(long nowNanos, long[] exits, long[] halts) {
    long since = sinceBoot(nowNanos);
    for (int cpu = 0; cpu < threadIds.length; cpu++) {
      exits[cpu] = baseExits[cpu] + model.exits(bootKind, cpu, since);
      halts[cpu] = baseHalts[cpu] + model.haltExits(bootKind, cpu, since);
    }
  }

  synchronized boolean atResetVector(int cpu, long nowNanos) {
    return model.atResetVector(bootKind, cpu, sinceBoot(nowNanos));
  }

  /** A reset: the counters so far become the base of a new boot of {@code kind}. */
  synchronized void reboot(long nowNanos, BootKind kind) {
    long[] exits = new long[threadIds.length];
    long[] halts = new long[threadIds.length];
    counters(nowNanos, exits, halts);
    baseExits = exits;
    baseHalts = halts;
    bootStartGuestNanos = guestNanos(nowNanos);
    bootKind = kind;
  }

  /** {@code stop}; false if it was already paused (QEMU then emits no STOP). */
  synchronized boolean pause(long nowNanos) {
    if (!running) {
      return false;
    }
    guestNanosAtResume = guestNanos(nowNanos);
    running = false;
    return true;
  }

  /** {@code cont}; false if it was already running. */
  synchronized boolean resume(long nowNanos) {
    if (running) {
      return false;
    }
    resumedAtNanos = nowNanos;
    running = true;
    return true;
  }

  private long sinceBoot(long nowNanos) {
    return guestNanos(nowNanos) - bootStartGuestNanos;
  }

  /** Time the guest has run since the simulator started: counters stand still while paused. */
  private long guestNanos(long nowNanos) {
    return running ? guestNanosAtResume + (nowNanos - resumedAtNanos) : guestNanosAtResume;
  }
}
