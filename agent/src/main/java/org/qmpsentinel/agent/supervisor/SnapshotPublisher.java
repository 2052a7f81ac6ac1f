package org.qmpsentinel.agent.supervisor;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.qmpsentinel.hang.VmWatch;

/**
 * Publishes what the VM's pipeline knows as an immutable {@link VmSnapshot}: built on the VM's
 * executor, handed to the listener there, and readable from any thread (API, metrics) through the
 * one reference this class owns — the only thing of a VM that other threads ever read.
 */
final class SnapshotPublisher {
  /** The one reference other threads read: an immutable snapshot, replaced, never mutated. */
  private volatile VmSnapshot latest;

  private final Consumer<VmSnapshot> listener;
  private boolean closed;

  SnapshotPublisher(VmState initial, Consumer<VmSnapshot> listener) {
    this.listener = listener;
    this.latest = build(initial);
  }

  VmSnapshot latest() {
    return latest;
  }

  /** Publishes the VM's current state (on the VM's executor). */
  void publish(VmState state) {
    if (closed) {
      return; // a vanished VM: a late report would resurrect its meters
    }
    VmSnapshot s = build(state);
    latest = s;
    listener.accept(s);
  }

  void close() {
    closed = true;
  }

  private static VmSnapshot build(VmState s) {
    VmWatch w = s.watch;
    Identity id = s.identity;
    return new VmSnapshot(
        s.key,
        s.name,
        s.uuid,
        s.endpoint.toString(),
        s.source,
        s.pid,
        s.connected,
        s.running,
        s.runState,
        w.phase(),
        id == null ? "" : id.qemuVersion(),
        id != null && id.kvm(),
        s.kvmStats(),
        List.copyOf(s.vcpus),
        w.activeHangs(),
        w.baselineQuality(),
        s.eventsDropped,
        Instant.now(),
        List.copyOf(s.registers.values()));
  }
}
