package org.qmpsentinel.agent.discovery;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.qmpsentinel.agent.discovery.Refusals.Reason;

/**
 * What the socket-reading sources (socket directory, /proc scan) may report: the {@link
 * SocketOwners}, and the {@link Refusals} of every source, exported as the counter {@code
 * qmp_sentinel_discovery_refused_sockets_total{source,reason}}. A {@link MeterBinder}, so the
 * metrics package needs to know nothing of discovery.
 */
public final class SocketPolicy implements MeterBinder {
  static final String METRIC = "qmp.sentinel.discovery.refused.sockets";

  private final SocketOwners owners;
  private final Unmonitored unmonitored;
  private final List<Refusals> sources = new ArrayList<>();
  private final List<MeterRegistry> registries = new ArrayList<>();

  public SocketPolicy(SocketOwners owners) {
    this(owners, new Unmonitored());
  }

  /** With the agent's list of VMs found but not monitored, where sources report them. */
  public SocketPolicy(SocketOwners owners, Unmonitored unmonitored) {
    this.owners = owners;
    this.unmonitored = unmonitored;
  }

  public Unmonitored unmonitored() {
    return unmonitored;
  }

  public SocketOwners owners() {
    return owners;
  }

  /** A new source's refusals, counted in every registry this policy is (or will be) bound to. */
  synchronized Refusals refusals(String source, Set<Reason> reasons) {
    Refusals r = new Refusals(source, reasons);
    sources.add(r);
    registries.forEach(registry -> register(registry, r));
    return r;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    registries.add(registry);
    sources.forEach(r -> register(registry, r));
  }

  private static void register(MeterRegistry registry, Refusals refusals) {
    for (Reason reason : refusals.reasons()) {
      FunctionCounter.builder(METRIC, refusals, r -> r.count(reason))
          .description("Sockets discovery refused to report (each counted when first seen)")
          .tag("source", refusals.source())
          .tag("reason", reason.tag())
          .register(registry);
    }
  }
}
