package org.qmpsentinel.agent.discovery.libvirt;

import java.util.Set;
import org.qmpsentinel.hang.Observation.LifecycleEvent;

/**
 * Where the libvirt source sends what it learns, downstream (the VM registry). Called from the
 * libvirt threads (event loop, poller): implementations only hand the news to the VM's own pipeline
 * and return at once, so one domain never delays another.
 */
public interface DomainObserver {

  /** How often a domain wants its vCPU counters, from its pipeline's phase. */
  enum Cadence {
    /** STARTUP, a pending baseline, or just (re)connected: every poll tick, with vCPU stats. */
    FAST,
    /** STEADY: the run state every steady interval, no vCPU stats (they kick vCPUs). */
    STEADY
  }

  /**
   * A running domain.
   *
   * @param id libvirt's domain id, new for every QEMU process
   * @param hypervisorVersion the QEMU version libvirt reports, e.g. {@code 7.2.22}
   */
  record Domain(String uuid, String name, int id, String hypervisorVersion) {}

  void started(Domain domain);

  /** A lifecycle event, stamped ({@code Ticker} nanos) when libvirt delivered it. */
  void lifecycle(String uuid, LifecycleEvent event, long atNanos);

  void sampled(String uuid, DomainSample sample);

  void stopped(String uuid);

  Cadence cadence(String uuid);

  /**
   * The UUIDs of VMs already watched through their own QMP socket (the extra-socket route): libvirt
   * leaves those domains alone, so no VM is watched twice. Asked once per poll tick.
   */
  Set<String> watchedThroughQmp();
}
