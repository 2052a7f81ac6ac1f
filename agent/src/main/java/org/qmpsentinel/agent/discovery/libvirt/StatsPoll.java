package org.qmpsentinel.agent.discovery.libvirt;

import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmpsentinel.agent.discovery.Unmonitored;
import org.qmpsentinel.agent.discovery.Unmonitored.Reason;
import org.qmpsentinel.agent.discovery.libvirt.DomainStatsCalls.DomainStats;
import org.qmpsentinel.hang.Ticker;

/**
 * One bulk stats call for a group of domains, each domain's part mapped and handed to its own
 * pipeline. With libvirt's NOWAIT flag a domain busy with another libvirt job is skipped for that
 * call rather than holding up the rest. Poller thread only.
 */
final class StatsPoll {
  /** {@code VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT}: skip domains busy with another job. */
  static final int NOWAIT = 1 << 29;

  private final DomainObserver observer;
  private final Unmonitored unmonitored;
  private final Ticker ticker;

  StatsPoll(DomainObserver observer, Unmonitored unmonitored, Ticker ticker) {
    this.observer = observer;
    this.unmonitored = unmonitored;
    this.ticker = ticker;
  }

  void poll(List<WatchedDomain> group, int stats) throws DomainStatsCalls.StatsCallException {
    if (group.isEmpty()) {
      return;
    }
    Map<String, WatchedDomain> byUuid = new HashMap<>();
    List<Pointer> handles = new ArrayList<>();
    for (WatchedDomain w : group) {
      byUuid.put(w.domain.uuid(), w);
      handles.add(w.handle);
    }
    long sentAt = ticker.nanos();
    List<DomainStats> records = DomainStatsCalls.of(handles, stats, NOWAIT);
    long at = ticker.nanos();
    for (DomainStats r : records) {
      WatchedDomain w = byUuid.get(r.uuid());
      if (w != null) {
        w.lastSampleNanos = at;
        DomainSample sample = DomainStatsMapping.sample(r.params(), w.domain.id(), sentAt, at);
        if ((stats & DomainStatsCalls.STATS_VCPU) != 0) {
          noteVcpuStats(w.domain, sample);
        }
        observer.sampled(r.uuid(), sample);
      }
    }
  }

  /** A domain whose vCPU stats libvirt leaves empty gives the detector nothing: it says so. */
  private void noteVcpuStats(DomainObserver.Domain d, DomainSample sample) {
    if (sample.vcpus().isEmpty() && sample.running()) {
      unmonitored.report(
          LibvirtWatcher.SOURCE,
          d.uuid(),
          d.name(),
          Reason.UNSUPPORTED_QEMU,
          "libvirt reports no per-vCPU statistics for domain " + d.name());
    } else {
      unmonitored.withdraw(LibvirtWatcher.SOURCE, d.uuid());
    }
  }
}
