package org.qmpsentinel.agent.discovery;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges what every source sees into one set of VMs, de-duplicated by endpoint and then by QEMU pid
 * (a VM found through two sockets is watched once; earlier sources win). Reports VMs that appeared
 * and vanished since the previous scan. A failing source is logged once and skipped: it never hides
 * the others' VMs.
 */
public final class DiscoveryService {
  private static final Logger log = LoggerFactory.getLogger(DiscoveryService.class);

  private final List<DiscoverySource> sources;
  private final Consumer<DiscoveredVm> onAppeared;
  private final Consumer<String> onVanished;
  private final Map<String, DiscoveredVm> current = new LinkedHashMap<>();
  private final Set<String> failingSources = new HashSet<>();

  public DiscoveryService(
      List<DiscoverySource> sources,
      Consumer<DiscoveredVm> onAppeared,
      Consumer<String> onVanished) {
    this.sources = List.copyOf(sources);
    this.onAppeared = onAppeared;
    this.onVanished = onVanished;
  }

  /** One scan of every source. Called from a single discovery thread. */
  public synchronized void scan() {
    Map<String, DiscoveredVm> seen = new LinkedHashMap<>();
    Set<Long> pids = new HashSet<>();
    for (DiscoverySource source : sources) {
      List<DiscoveredVm> found;
      try {
        found = source.scan();
        if (failingSources.remove(source.name())) {
          log.info("discovery source {} works again", source.name());
        }
      } catch (Exception e) {
        if (failingSources.add(source.name())) {
          log.warn("discovery source {} failed: {}", source.name(), e.toString());
        }
        // Keep what this source reported before, so a transient failure does not drop VMs.
        current.values().stream()
            .filter(vm -> vm.source().equals(source.name()))
            .forEach(vm -> seen.putIfAbsent(vm.key(), vm));
        continue;
      }
      for (DiscoveredVm vm : found) {
        if (vm.pid().isPresent() && pids.contains(vm.pid().getAsLong())) {
          continue; // same QEMU already found through another socket
        }
        if (seen.putIfAbsent(vm.key(), vm) == null) {
          vm.pid().ifPresent(pids::add);
        }
      }
    }
    for (String gone : new ArrayList<>(current.keySet())) {
      if (!seen.containsKey(gone)) {
        current.remove(gone);
        onVanished.accept(gone);
      }
    }
    for (Map.Entry<String, DiscoveredVm> e : seen.entrySet()) {
      if (!current.containsKey(e.getKey())) {
        current.put(e.getKey(), e.getValue());
        onAppeared.accept(e.getValue());
      }
    }
  }

  public synchronized List<DiscoveredVm> current() {
    return List.copyOf(current.values());
  }
}
