package org.qmpsentinel.agent.discovery;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sockets one source refused. A socket refused scan after scan is logged (WARN) and counted
 * once, when it first appears; if it goes away and comes back, that is a new refusal. Scans run on
 * the single discovery thread; the counts may be read from any thread.
 */
public final class Refusals {
  private static final Logger log = LoggerFactory.getLogger(Refusals.class);

  /** Why a socket was not reported; {@link #tag()} is the metric's {@code reason} label. */
  public enum Reason {
    /** The entry is a symlink: it could point anywhere, e.g. at libvirt's own monitor socket. */
    SYMLINK("symlink"),
    /** The socket's real path is not in the configured directory. */
    OUTSIDE_DIRECTORY("outside_directory"),
    /** The socket's owner is not in {@code sentinel.discovery.socket-owners}. */
    OWNER("owner"),
    /** The process that names the socket on its command line does not run as its owner. */
    PROCESS_OWNER("process_owner");

    private final String tag;

    Reason(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  private final String source;
  private final Set<Reason> reasons;
  private final Map<Reason, AtomicLong> counts = new EnumMap<>(Reason.class);
  private Map<Path, Reason> refusedBefore = Map.of();
  private Map<Path, Reason> refusedNow = new HashMap<>();

  Refusals(String source, Set<Reason> reasons) {
    this.source = source;
    this.reasons = Set.copyOf(reasons);
    for (Reason r : reasons) {
      counts.put(r, new AtomicLong());
    }
  }

  String source() {
    return source;
  }

  Set<Reason> reasons() {
    return reasons;
  }

  /** Records that {@code path} is refused in the current scan; {@code why} completes the log. */
  void refuse(Path path, Reason reason, String why) {
    if (refusedNow.putIfAbsent(path, reason) == null && refusedBefore.get(path) != reason) {
      counts
          .computeIfAbsent(reason, r -> new java.util.concurrent.atomic.AtomicLong())
          .incrementAndGet();
      log.warn("discovery ({}): not connecting to {}: {} [{}]", source, path, why, reason.tag());
    }
  }

  /** Ends a scan: what was not refused again is forgotten. */
  void scanDone() {
    refusedBefore = refusedNow;
    refusedNow = new HashMap<>();
  }

  long count(Reason reason) {
    AtomicLong c = counts.get(reason);
    return c == null ? 0 : c.get();
  }

  /** Refusals so far by {@link Reason#tag()}, every reason this source can give included. */
  public Map<String, Long> counts() {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.forEach((reason, count) -> out.put(reason.tag(), count.get()));
    return Collections.unmodifiableMap(out);
  }
}
