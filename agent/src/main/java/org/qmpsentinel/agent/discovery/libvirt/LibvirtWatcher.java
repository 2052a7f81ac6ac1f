package org.qmpsentinel.agent.discovery.libvirt;

import com.sun.jna.Pointer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.qmpsentinel.agent.discovery.Unmonitored;
import org.qmpsentinel.agent.discovery.Unmonitored.Reason;
import org.qmpsentinel.agent.discovery.libvirt.DomainObserver.Cadence;
import org.qmpsentinel.hang.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt as a source of VMs and of their observations, through its public API only: a read-only
 * connection, domain events (started, stopped, suspended, resumed, crashed, rebooted) and bulk
 * domain stats. Nothing is added to any domain, nothing taints one.
 *
 * <p>Threads: {@link LibvirtEvents} runs libvirt's event loop; its callbacks ({@link DomainEvents})
 * only stamp the event and queue it. Everything else — the connection, the domain list, the stats
 * calls — runs on this class's one poller thread, which blocks on libvirt and on nothing else. Per
 * tick it makes at most two calls ({@link StatsPoll}), each covering many domains: vCPU stats for
 * the domains that want them (STARTUP, a pending baseline), the run state for STEADY domains whose
 * steady interval is up. Both use libvirt's NOWAIT flag: a domain busy with another libvirt job is
 * skipped for that tick instead of holding up the others.
 */
public final class LibvirtWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LibvirtWatcher.class);
  static final String SOURCE = "libvirt";

  /** How the poller runs. */
  public record Settings(
      String uri, Duration tick, Duration steadyInterval, Duration reconnectInterval) {}

  private final Settings settings;
  private final DomainObserver observer;
  private final Unmonitored unmonitored;
  private final Ticker ticker;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final Map<String, WatchedDomain> domains = new HashMap<>(); // poller thread only

  /** Every running domain by libvirt id, watched here or not (QMP-watched ones too). */
  private final Map<Integer, DomainObserver.Domain> running = new HashMap<>(); // poller only

  private DomainStatsCalls.@Nullable Connection conn; // poller thread only
  private @Nullable DomainEvents events; // poller thread only

  /**
   * Closed connections whose callbacks could not all be removed from libvirt: kept reachable, so
   * that the JNA callbacks libvirt may still call are never collected (one per such reconnect).
   */
  private static final List<Connect> RETIRED = new java.util.concurrent.CopyOnWriteArrayList<>();

  private String hypervisorVersion = "";
  private long nextConnectNanos = Long.MIN_VALUE;
  private volatile boolean stopping;
  private final Thread poller;
  private final StatsPoll stats;

  public LibvirtWatcher(
      Settings settings, DomainObserver observer, Unmonitored unmonitored, Ticker ticker) {
    this.settings = settings;
    this.observer = observer;
    this.unmonitored = unmonitored;
    this.ticker = ticker;
    this.stats = new StatsPoll(observer, unmonitored, ticker);
    this.poller = new Thread(this::run, "libvirt-poller");
    poller.setDaemon(true);
  }

  public void start() {
    if (poller.getState() != Thread.State.NEW) {
      return;
    }
    try {
      LibvirtEvents.ensureRunning();
    } catch (LinkageError | IllegalStateException e) {
      // No libvirt client library (libvirt0) on this host: nothing to watch, and it says so.
      unmonitored.report(
          SOURCE,
          settings.uri(),
          "libvirt domains",
          Reason.LIBVIRT_UNAVAILABLE,
          "libvirt's client library cannot be used: " + e);
      return;
    }
    poller.start();
  }

  @Override
  public void close() {
    stopping = true;
    poller.interrupt();
    try {
      poller.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    long nextTick = ticker.nanos();
    while (!stopping) {
      try {
        Runnable task = tasks.poll(Math.max(0, nextTick - ticker.nanos()), TimeUnit.NANOSECONDS);
        if (task != null) {
          task.run();
          continue;
        }
        nextTick = ticker.nanos() + settings.tick().toNanos();
        tick();
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        log.warn("libvirt poller: {}", e.toString(), e);
      }
    }
    disconnect("the agent is stopping");
  }

  private void tick() {
    DomainStatsCalls.Connection c = connection();
    if (c == null) {
      return;
    }
    try {
      reconcile(c);
      long now = ticker.nanos();
      List<WatchedDomain> fast = new ArrayList<>();
      List<WatchedDomain> steady = new ArrayList<>();
      for (WatchedDomain w : domains.values()) {
        if (observer.cadence(w.domain.uuid()) == Cadence.FAST) {
          fast.add(w);
        } else if (now - w.lastSampleNanos >= settings.steadyInterval().toNanos()) {
          steady.add(w);
        }
      }
      stats.poll(fast, DomainStatsCalls.STATS_STATE | DomainStatsCalls.STATS_VCPU);
      stats.poll(steady, DomainStatsCalls.STATS_STATE);
    } catch (LibvirtException | DomainStatsCalls.StatsCallException e) {
      disconnect(e.getMessage());
    }
  }

  /**
   * The running domains now: new ones start, gone ones stop, a domain with a new id (its QEMU was
   * restarted between two ticks) starts over, QMP-watched ones are left alone.
   */
  private void reconcile(DomainStatsCalls.Connection c) throws LibvirtException {
    Set<String> viaQmp = observer.watchedThroughQmp();
    Map<Integer, DomainObserver.Domain> now = new HashMap<>();
    for (int id : c.listDomains()) {
      DomainObserver.Domain known = running.get(id);
      if (known != null) {
        now.put(id, known);
        continue;
      }
      try {
        Domain d = c.domainLookupByID(id); // only for ids not seen before: one RPC each
        now.put(
            id, new DomainObserver.Domain(d.getUUIDString(), d.getName(), id, hypervisorVersion));
      } catch (LibvirtException e) {
        // stopped between the list and the lookup
      }
    }
    running.clear();
    running.putAll(now);
    Map<String, DomainObserver.Domain> byUuid = new HashMap<>();
    now.values().forEach(d -> byUuid.put(d.uuid(), d));
    for (WatchedDomain w : new ArrayList<>(domains.values())) {
      DomainObserver.Domain current = byUuid.get(w.domain.uuid());
      if (current == null || current.id() != w.domain.id() || viaQmp.contains(current.uuid())) {
        forget(w.domain.uuid());
      }
    }
    for (DomainObserver.Domain d : byUuid.values()) {
      if (!viaQmp.contains(d.uuid()) && !domains.containsKey(d.uuid())) {
        adopt(c, d);
      }
    }
  }

  private void adopt(DomainStatsCalls.Connection c, DomainObserver.Domain d) {
    Pointer handle = DomainStatsCalls.lookup(c, d.uuid());
    if (handle == null) {
      return;
    }
    domains.put(d.uuid(), new WatchedDomain(d, handle));
    observer.started(d);
  }

  private void forget(String uuid) {
    WatchedDomain w = domains.remove(uuid);
    if (w != null) {
      unmonitored.withdraw(SOURCE, uuid);
      DomainStatsCalls.free(w.handle);
      observer.stopped(uuid);
    }
  }

  private DomainStatsCalls.@Nullable Connection connection() {
    if (conn != null || ticker.nanos() < nextConnectNanos) {
      return conn;
    }
    nextConnectNanos = ticker.nanos() + settings.reconnectInterval().toNanos();
    try {
      DomainStatsCalls.Connection c = new DomainStatsCalls.Connection(settings.uri(), true);
      c.setKeepAlive(5, 3); // a dead libvirtd closes the connection within ~20 s
      hypervisorVersion = version(c.getVersion());
      c.registerCloseListener((closed, reason) -> tasks.add(() -> disconnect("closed: " + reason)));
      DomainEvents e =
          new DomainEvents(
              observer,
              ticker,
              () -> tasks.add(this::reconcileQuietly),
              uuid -> tasks.add(() -> pollNow(uuid)));
      e.register(c);
      events = e;
      conn = c;
      unmonitored.withdraw(SOURCE, settings.uri());
      log.info("libvirt: connected read-only to {} (QEMU {})", settings.uri(), hypervisorVersion);
      return c;
    } catch (LibvirtException e) {
      unmonitored.report(
          SOURCE,
          settings.uri(),
          "libvirt domains",
          Reason.LIBVIRT_UNAVAILABLE,
          "cannot connect read-only to "
              + settings.uri()
              + ": "
              + e.getMessage()
              + " (retrying every "
              + settings.reconnectInterval().toSeconds()
              + " s)");
      return null;
    }
  }

  private void disconnect(@Nullable String why) {
    DomainStatsCalls.Connection c = conn;
    if (c == null) {
      return;
    }
    conn = null;
    running.clear();
    for (String uuid : new ArrayList<>(domains.keySet())) {
      forget(uuid);
    }
    DomainEvents e = events;
    events = null;
    if (e != null && !e.unregister(c)) {
      RETIRED.add(c); // libvirt may still call into it: never let its callbacks be collected
    }
    try {
      c.unregisterCloseListener();
    } catch (LibvirtException ex) {
      log.debug("libvirt: removing the close listener: {}", ex.getMessage());
    }
    try {
      c.close();
    } catch (LibvirtException ex) {
      log.debug("libvirt: closing the connection: {}", ex.getMessage());
    }
    if (!stopping) {
      log.warn("libvirt: connection to {} lost ({}); reconnecting", settings.uri(), why);
      nextConnectNanos = Long.MIN_VALUE;
    }
  }

  private void pollNow(String uuid) {
    WatchedDomain w = domains.get(uuid);
    if (w == null || conn == null) {
      return;
    }
    try {
      stats.poll(List.of(w), DomainStatsCalls.STATS_STATE | DomainStatsCalls.STATS_VCPU);
    } catch (DomainStatsCalls.StatsCallException e) {
      log.debug("libvirt: baseline read of {} failed: {}", w.domain.name(), e.getMessage());
    }
  }

  private void reconcileQuietly() {
    DomainStatsCalls.Connection c = conn;
    if (c == null) {
      return;
    }
    try {
      reconcile(c);
    } catch (LibvirtException e) {
      disconnect(e.getMessage());
    }
  }

  /** libvirt's version number (major × 1,000,000 + minor × 1,000 + micro) as text. */
  static String version(long v) {
    return (v / 1_000_000) + "." + (v / 1_000 % 1_000) + "." + (v % 1_000);
  }
}
