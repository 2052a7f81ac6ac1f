package org.qmpsentinel.agent;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.discovery.DiscoveryService;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.SupervisorRuntime;
import org.qmpsentinel.agent.supervisor.SupervisorSettings;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.HangEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The supervisors of the VMs discovery currently sees: started on appearance, closed on vanish. */
public final class VmRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmRegistry.class);

  private final SupervisorRuntime runtime;
  private final SupervisorSettings settings;
  private final SupervisorListener listener;
  private final Map<String, VmSupervisor> supervisors = new ConcurrentHashMap<>();
  private java.util.function.Consumer<String> removalHook = k -> {};

  public VmRegistry(
      SupervisorRuntime runtime, SupervisorSettings settings, SupervisorListener listener) {
    this.runtime = runtime;
    this.settings = settings;
    this.listener = listener;
  }

  /** Called with the key of every VM removed (e.g. to drop its meters). */
  public void onRemoval(java.util.function.Consumer<String> hook) {
    this.removalHook = hook;
  }

  public void appeared(DiscoveredVm vm) {
    String key = DiscoveryService.keyOf(vm);
    supervisors.computeIfAbsent(
        key,
        k -> {
          log.info("discovered {} at {} (via {})", vm.name(), vm.endpoint(), vm.source());
          return VmSupervisor.start(vm, settings, runtime, listener);
        });
  }

  public void vanished(String key) {
    VmSupervisor s = supervisors.remove(key);
    if (s != null) {
      log.info("{} vanished ({})", s.snapshot().name(), key);
      s.close();
      removalHook.accept(key);
    }
  }

  public Collection<VmSupervisor> all() {
    return supervisors.values();
  }

  public List<VmSnapshot> snapshots() {
    return supervisors.values().stream()
        .map(VmSupervisor::snapshot)
        .sorted(Comparator.comparing(VmSnapshot::name))
        .toList();
  }

  /** Finds a VM by agent key, VM id, name or UUID. */
  public Optional<VmSupervisor> find(String id) {
    VmSupervisor byKey = supervisors.get(id);
    if (byKey != null) {
      return Optional.of(byKey);
    }
    return supervisors.values().stream()
        .filter(
            s -> {
              VmSnapshot snap = s.snapshot();
              return id.equals(snap.name()) || id.equals(snap.uuid()) || id.equals(s.vmId().id());
            })
        .findFirst();
  }

  public List<HangEvent> activeHangs() {
    return supervisors.values().stream().flatMap(s -> s.snapshot().activeHangs().stream()).toList();
  }

  @Override
  public void close() {
    supervisors.values().forEach(VmSupervisor::close);
    supervisors.clear();
  }
}
