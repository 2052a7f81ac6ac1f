package org.qmpsentinel.agent.discovery.libvirt;

import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libvirt's default event loop on its own daemon thread, started once per process (libvirt has one
 * per process, and it must be registered before the first connection that wants events). Event
 * callbacks run on this thread; they only queue work, so neither a Netty loop nor any VM's pipeline
 * ever waits for libvirt.
 */
final class LibvirtEvents {
  private static final Logger log = LoggerFactory.getLogger(LibvirtEvents.class);
  private static boolean started;

  private LibvirtEvents() {}

  static synchronized void ensureRunning() {
    if (started) {
      return;
    }
    try {
      Library.initEventLoop();
    } catch (LibvirtException e) {
      throw new IllegalStateException("libvirt's event loop cannot be registered", e);
    }
    Thread t =
        new Thread(
            () -> {
              try {
                Library.runEventLoop();
              } catch (LibvirtException e) {
                log.error("libvirt's event loop stopped: {}", e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "libvirt-events");
    t.setDaemon(true);
    t.start();
    started = true;
  }
}
