package org.qmpsentinel.agent.discovery.libvirt;

import com.sun.jna.Pointer;

/**
 * A domain the libvirt poller watches: its identity, its libvirt handle for the bulk stats calls
 * (freed when it stops), and when it last had a sample. Poller thread only.
 */
final class WatchedDomain {
  final DomainObserver.Domain domain;
  final Pointer handle;
  long lastSampleNanos = Long.MIN_VALUE;

  WatchedDomain(DomainObserver.Domain domain, Pointer handle) {
    this.domain = domain;
    this.handle = handle;
  }
}
