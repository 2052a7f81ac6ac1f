package org.qmpsentinel.agent.supervisor;

import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.libvirt.DomainObserver;
import org.qmpsentinel.agent.discovery.libvirt.DomainSample;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtRegisters;
import org.qmpsentinel.hang.Observation.LifecycleEvent;

/**
 * What the libvirt source tells, routed to each domain's {@link ObservedVm} in the {@link
 * VmRegistry}. Called on libvirt's threads; every call only submits to the VM's pipeline.
 */
public final class LibvirtDomains implements DomainObserver {
  private final VmRegistry registry;
  private final String endpoint;
  private final @Nullable LibvirtRegisters registers;

  /**
   * @param uri the libvirt connection's URI, shown as the VMs' endpoint ({@code libvirt:URI})
   * @param registers the opt-in register reader, null for time-based confirmation
   */
  public LibvirtDomains(VmRegistry registry, String uri, @Nullable LibvirtRegisters registers) {
    this.registry = registry;
    this.endpoint = "libvirt:" + uri;
    this.registers = registers;
  }

  @Override
  public void started(Domain domain) {
    registry.add(
        ObservedVm.start(
            domain,
            endpoint,
            registry.settings(),
            registry.runtime(),
            registry.listener(),
            registers));
  }

  @Override
  public void lifecycle(String uuid, LifecycleEvent event, long atNanos) {
    observed(uuid).ifPresent(vm -> vm.lifecycle(event, atNanos));
  }

  @Override
  public void sampled(String uuid, DomainSample sample) {
    observed(uuid).ifPresent(vm -> vm.sampled(sample));
  }

  @Override
  public void stopped(String uuid) {
    registry.vanished(ObservedVm.key(uuid));
  }

  @Override
  public Cadence cadence(String uuid) {
    return observed(uuid).map(ObservedVm::cadence).orElse(Cadence.STEADY);
  }

  @Override
  public java.util.Set<String> watchedThroughQmp() {
    return registry.uuidsWatchedThroughQmp();
  }

  private java.util.Optional<ObservedVm> observed(String uuid) {
    return registry
        .byKey(ObservedVm.key(uuid))
        .filter(ObservedVm.class::isInstance)
        .map(ObservedVm.class::cast);
  }
}
