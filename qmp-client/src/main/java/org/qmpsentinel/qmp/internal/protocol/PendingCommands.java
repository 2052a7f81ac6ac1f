package org.qmpsentinel.qmp.internal.protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Commands awaiting replies, by id, plus a bounded memory of ids the caller gave up on (timed out
 * or cancelled): a late reply to one of those is expected and discarded, while a reply to an id we
 * never sent is a protocol violation. Confined to the event loop.
 */
final class PendingCommands {
  private static final int FORGOTTEN_IDS = 4096;

  private final Map<String, PendingCommand> pending = new HashMap<>();
  private final Map<String, Boolean> forgotten =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > FORGOTTEN_IDS;
        }
      };
  private long lateReplies;

  void add(PendingCommand command) {
    pending.put(command.id, command);
  }

  int size() {
    return pending.size();
  }

  /** Removes and returns the command for a reply; {@code null} if none. */
  PendingCommand take(String id) {
    PendingCommand command = pending.remove(id);
    if (command != null && command.timeout != null) {
      command.timeout.cancel(false);
    }
    return command;
  }

  /** Gives up on a command (timeout, cancellation); a late reply will be discarded. */
  PendingCommand forget(String id) {
    PendingCommand command = take(id);
    if (command != null) {
      forgotten.put(id, Boolean.TRUE);
    }
    return command;
  }

  /** True (and counted) when {@code id} belongs to a command we gave up on. */
  boolean isLate(String id) {
    if (forgotten.remove(id) != null) {
      lateReplies++;
      return true;
    }
    return false;
  }

  long lateReplies() {
    return lateReplies;
  }

  /** Removes every pending command, for failing them all at once. */
  List<PendingCommand> drain() {
    List<PendingCommand> all = new ArrayList<>(pending.values());
    pending.clear();
    all.forEach(
        c -> {
          if (c.timeout != null) {
            c.timeout.cancel(false);
          }
        });
    return all;
  }
}
