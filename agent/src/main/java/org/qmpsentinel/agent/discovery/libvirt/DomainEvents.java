package org.qmpsentinel.agent.discovery.libvirt;

import java.lang.reflect.Method;
import java.util.function.Consumer;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEvent;
import org.libvirt.event.EventListener;
import org.libvirt.event.LifecycleListener;
import org.libvirt.event.RebootListener;
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

  // The listeners as registered: libvirt-java keeps the native callbacks only as long as it keeps
  // these, so the same instances must be removed again before the connection is dropped.
  private final LifecycleListener lifecycle = this::onLifecycle;
  private final RebootListener reboot = this::onReboot;

  /** libvirt's {@code VIR_DOMAIN_EVENT_ID_REBOOT}. */
  private static final int VIR_DOMAIN_EVENT_ID_REBOOT = 1;

  void register(Connect c) throws LibvirtException {
    c.addLifecycleListener(lifecycle);
    c.addRebootListener(reboot);
  }

  /**
   * Removes the callbacks from libvirt before the connection is closed; true when both are gone.
   * Without it, a closed connection stays alive inside libvirt (its callbacks hold a reference)
   * while libvirt-java's {@code Connect} and the JNA callbacks it owns are garbage-collected: the
   * next event libvirt dispatched to them crashed the JVM (SIGSEGV in LibvirtIT). libvirt-java
   * 0.5.3 has no {@code removeRebootListener}; its private {@code domainEventDeregister} is called
   * reflectively instead. On a dead connection this is best effort: libvirt drops its local
   * registration even when telling libvirtd fails.
   */
  boolean unregister(Connect c) {
    boolean removed = true;
    try {
      c.removeLifecycleListener(lifecycle);
    } catch (LibvirtException e) {
      log.debug("libvirt: removing the lifecycle listener: {}", e.getMessage());
    }
    try {
      Method deregister =
          Connect.class.getDeclaredMethod("domainEventDeregister", int.class, EventListener.class);
      deregister.setAccessible(true);
      deregister.invoke(c, VIR_DOMAIN_EVENT_ID_REBOOT, reboot);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("libvirt: removing the reboot listener: {}", e.toString());
      removed = false;
    }
    return removed;
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
