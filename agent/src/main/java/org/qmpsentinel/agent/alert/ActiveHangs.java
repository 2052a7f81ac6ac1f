package org.qmpsentinel.agent.alert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangKind;
import org.qmpsentinel.hang.HangState;

/**
 * The hangs alerting was told about and that have not resolved, by VM and kind: what Alertmanager
 * must keep seeing. Kept here, from the events themselves, so alerting never asks the supervisors;
 * every change is handed to {@code persist} (in order, under this object's lock) so that a restart
 * can reload them. Reloaded hangs are marked until a new event for the same VM and kind replaces
 * them: only those may be resolved by {@link RestartReconciler}.
 */
final class ActiveHangs {
  private record Entry(HangEvent event, boolean reloaded) {}

  private final Map<String, Entry> active = new LinkedHashMap<>();
  private final Consumer<List<HangEvent>> persist;

  ActiveHangs(Consumer<List<HangEvent>> persist) {
    this.persist = persist;
  }

  /** The hangs a previous run left active. */
  synchronized void reload(List<HangEvent> saved) {
    for (HangEvent e : saved) {
      if (e.state() != HangState.RESOLVED) {
        active.put(key(e.vm().id(), e.kind()), new Entry(e, true));
      }
    }
  }

  synchronized void record(HangEvent event) {
    String key = key(event.vm().id(), event.kind());
    Entry previous =
        event.state() == HangState.RESOLVED
            ? active.remove(key)
            : active.put(key, new Entry(event, false));
    if (previous == null && event.state() == HangState.RESOLVED) {
      return; // nothing changed
    }
    persist.accept(current());
  }

  synchronized List<HangEvent> current() {
    List<HangEvent> events = new ArrayList<>();
    active.values().forEach(e -> events.add(e.event()));
    return events;
  }

  /** Hangs reloaded at start and not replaced since. */
  synchronized List<HangEvent> reloaded() {
    List<HangEvent> events = new ArrayList<>();
    active.values().stream().filter(Entry::reloaded).forEach(e -> events.add(e.event()));
    return events;
  }

  /** The reloaded hang of this VM and kind, if it is still the one recorded. */
  synchronized @Nullable HangEvent reloaded(String vmId, HangKind kind) {
    Entry e = active.get(key(vmId, kind));
    return e != null && e.reloaded() ? e.event() : null;
  }

  private static String key(String vmId, HangKind kind) {
    return vmId + "|" + kind;
  }
}
