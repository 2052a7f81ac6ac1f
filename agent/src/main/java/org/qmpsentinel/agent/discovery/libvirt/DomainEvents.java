package org.qmpsentinel.agent.discovery.libvirt;

import java.util.function.Consumer;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEvent;
import org.qmpsentinel.hang.Observation.LifecycleEvent;
import org.qmpsentinel.hang.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's domain events, on libvirt's event-loop thread: each is stamped when it arrives and
 * handed over at once — lifecycle changes to the domain's pipeline, list changes and resets to the
 * poller's queue — so the loop never waits and one domain never delays another.
 */
final class DomainEvents {
  private static final Logger log = LoggerFactory.getLogger(DomainEvents.class);

  private final DomainObserver observer;
  private final Ticker ticker;
  private final Runnable domainsChanged;
  private final Consumer<String> readNow;

  /**
   * @param domainsChanged a domain started or stopped: the poller re-lists the domains
   * @param readNow a domain was reset: the poller reads its new boot's baseline at once
   */
  DomainEvents(
      DomainObserver observer, Ticker ticker, Runnable domainsChanged, Consumer<String> readNow) {
    this.observer = observer;
    this.ticker = ticker;
    this.domainsChanged = domainsChanged;
    this.readNow = readNow;
  }

  void register(Connect c) throws LibvirtException {
    c.addLifecycleListener(this::onLifecycle);
    c.addRebootListener(this::onReboot);
  }

  private int onLifecycle(Domain d, DomainEvent event) {
    long at = ticker.nanos();
    try {
      String uuid = d.getUUIDString();
      switch (event.getType()) {
        case STARTED, STOPPED -> domainsChanged.run();
        case SUSPENDED -> observer.lifecycle(uuid, LifecycleEvent.STOP, at);
        case RESUMED -> observer.lifecycle(uuid, LifecycleEvent.RESUME, at);
        case CRASHED -> observer.lifecycle(uuid, LifecycleEvent.GUEST_PANICKED, at);
        case SHUTDOWN -> observer.lifecycle(uuid, LifecycleEvent.SHUTDOWN, at);
        default -> {}
      }
    } catch (LibvirtException e) {
      log.debug("libvirt: event for an unknown domain: {}", e.getMessage());
    }
    return 0;
  }

  /** A guest reset (libvirt's reboot event): a new boot, whose baseline is the next vCPU read. */
  private void onReboot(Domain d) {
    long at = ticker.nanos();
    try {
      String uuid = d.getUUIDString();
      observer.lifecycle(uuid, LifecycleEvent.RESET, at);
      readNow.accept(uuid);
    } catch (LibvirtException e) {
      log.debug("libvirt: reboot of an unknown domain: {}", e.getMessage());
    }
  }
}
