package org.qmpsentinel.agent.supervisor;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.hang.HangEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisors of the VMs discovery currently sees: started on appearance, closed on vanish.
 * Discovery calls in; the API reads snapshots and submits operator requests; everything else hears
 * from the supervisors through the {@link SupervisorListener}.
 */
public final class VmRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmRegistry.class);

  /** VMs connecting and identifying at once; the rest wait their turn (see StartQueue). */
  static final int MAX_STARTING = 64;

  private final SupervisorRuntime runtime;
  private final SupervisorSettings settings;
  private final SupervisorListener listener;
  private final Map<String, WatchedVm> supervisors = new ConcurrentHashMap<>();
  private final StartQueue starts = new StartQueue(MAX_STARTING);

  public VmRegistry(
      SupervisorRuntime runtime, SupervisorSettings settings, SupervisorListener listener) {
    this.runtime = runtime;
    this.settings = settings;
    this.listener = listener;
  }

  SupervisorSettings settings() {
    return settings;
  }

  SupervisorRuntime runtime() {
    return runtime;
  }

  SupervisorListener listener() {
    return listener;
  }

  public void appeared(DiscoveredVm vm) {
    if (supervisors.containsKey(vm.key())) {
      return;
    }
    log.info("discovered {} at {} (via {})", vm.name(), vm.endpoint(), vm.source());
    starts.submit(vm.key(), () -> start(vm));
  }

  private void start(DiscoveredVm vm) {
    String key = vm.key();
    SupervisorListener settleOnFirstAnswer =
        new SupervisorListener() {
          private boolean settled; // confined to the VM's pipeline, like every report

          @Override
          public void onConnectionChange(VmSnapshot snapshot, boolean connected) {
            if (!settled) {
              settled = true;
              starts.settled(key);
            }
          }
        };
    supervisors.put(
        key,
        VmSupervisor.start(
            vm, settings, runtime, new CompositeListener(List.of(settleOnFirstAnswer, listener))));
  }

  public void vanished(String key) {
    starts.settled(key); // also when it never got its turn
    WatchedVm s = supervisors.remove(key);
    if (s != null) {
      log.info("{} vanished ({})", s.snapshot().name(), key);
      s.close();
    }
  }

  /** Starts watching a VM that another way than its own QMP socket tells about (libvirt). */
  void add(WatchedVm vm) {
    if (supervisors.putIfAbsent(vm.key(), vm) == null) {
      log.info("discovered {} ({})", vm.snapshot().name(), vm.key());
    }
  }

  Optional<WatchedVm> byKey(String key) {
    return Optional.ofNullable(supervisors.get(key));
  }

  /** The UUIDs of the VMs watched through their own QMP socket (known once identified). */
  java.util.Set<String> uuidsWatchedThroughQmp() {
    return supervisors.values().stream()
        .filter(VmSupervisor.class::isInstance)
        .map(s -> s.snapshot().uuid())
        .filter(uuid -> !uuid.isEmpty())
        .collect(java.util.stream.Collectors.toSet());
  }

  public List<VmSnapshot> snapshots() {
    return supervisors.values().stream()
        .map(WatchedVm::snapshot)
        .sorted(Comparator.comparing(VmSnapshot::name))
        .toList();
  }

  /** Finds a VM by agent key, VM id, name or UUID. */
  public Optional<WatchedVm> find(String id) {
    WatchedVm byKey = supervisors.get(id);
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
    supervisors.values().forEach(WatchedVm::close);
    supervisors.clear();
  }
}
