package org.qmpsentinel.agent.supervisor;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.hang.VmWatch;
import org.qmpsentinel.qmp.QmpConnection;

/**
 * The mutable state of one VM. Plain fields on purpose: it is only ever touched on the VM's serial
 * executor, and leaves it only as an immutable {@link VmSnapshot}.
 */
final class VmState {
  final String key;
  final String source;

  /** Where the VM is watched: its QMP endpoint, or {@code libvirt:URI} for a libvirt domain. */
  final String endpoint;

  String name;
  String uuid = "";
  long pid;
  @Nullable Identity identity;

  /** The detector; replaced once identification tells the VM's real identity. */
  VmWatch watch;

  /** The open connection, and the same once identification succeeded on it (polls need that). */
  @Nullable QmpConnection current;

  @Nullable QmpConnection identified;
  boolean connected;
  boolean running;
  String runState = "unknown";
  List<VmSnapshot.Vcpu> vcpus = List.of();
  long eventsDropped;
  boolean closed;

  /** The intrusion policy of the QEMU version identification found (7.x's until then). */
  IntrusionPolicy policy = IntrusionPolicy.qemu72();

  /** The latest register sample of each vCPU the sampler read. */
  final Map<Integer, VmSnapshot.RegisterSample> registers = new TreeMap<>();

  VmState(String key, DiscoveredVm vm, VmWatch watch) {
    this(key, vm.source(), vm.name(), vm.endpoint().toString(), vm.pid().orElse(0), watch);
  }

  VmState(String key, String source, String name, String endpoint, long pid, VmWatch watch) {
    this.watch = watch;
    this.key = key;
    this.source = source;
    this.endpoint = endpoint;
    this.name = name;
    this.pid = pid;
  }

  void identified(Identity id) {
    identity = id;
    name = id.name();
    uuid = id.uuid();
    running = id.status().running();
    runState = id.status().rawStatus();
    policy = IntrusionPolicy.forQemu(id.qemuVersion());
  }

  boolean kvmStats() {
    return identity != null && identity.kvmStats();
  }
}
