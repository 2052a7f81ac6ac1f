package org.qmpsentinel.agent.alert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qmpsentinel.hang.HangEvent;
import org.qmpsentinel.hang.HangState;

/**
 * The hangs alerting was told about and that have not resolved, by VM and kind: what Alertmanager
 * must keep seeing. Kept here, from the events themselves, so alerting never asks the supervisors.
 */
final class ActiveHangs {
  private final Map<String, HangEvent> active = new LinkedHashMap<>();

  synchronized void record(HangEvent event) {
    String key = event.vm().id() + "|" + event.kind();
    if (event.state() == HangState.RESOLVED) {
      active.remove(key);
    } else {
      active.put(key, event);
    }
  }

  synchronized List<HangEvent> current() {
    return new ArrayList<>(active.values());
  }
}
