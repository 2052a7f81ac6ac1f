package org.qmpsentinel.agent.supervisor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lets at most {@code limit} VMs connect and identify at once. When the agent starts on a host with
 * a thousand VMs, connecting to all of them in the same instant would make the agent itself the
 * bottleneck: greetings and identification replies would wait behind each other past their
 * timeouts, and healthy monitors would look unresponsive. Queued VMs start as earlier ones settle
 * (identified, or failed once).
 */
final class StartQueue {
  private final int limit;
  private final Map<String, Runnable> waiting = new LinkedHashMap<>();
  private final java.util.Set<String> starting = new java.util.HashSet<>();

  StartQueue(int limit) {
    this.limit = limit;
  }

  /** Runs {@code start} now if there is room, otherwise when an earlier VM settles. */
  void submit(String key, Runnable start) {
    synchronized (this) {
      if (starting.size() >= limit) {
        waiting.put(key, start);
        return;
      }
      starting.add(key);
    }
    start.run();
  }

  /** The VM connected and was identified, failed its first attempt, or vanished. */
  void settled(String key) {
    Runnable next;
    synchronized (this) {
      waiting.remove(key);
      if (!starting.remove(key)) {
        return;
      }
      var it = waiting.entrySet().iterator();
      if (!it.hasNext()) {
        return;
      }
      var e = it.next();
      it.remove();
      starting.add(e.getKey());
      next = e.getValue();
    }
    next.run();
  }
}
