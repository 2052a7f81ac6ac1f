/**
 * libvirt's domains through libvirt's public API, zero-touch: a read-only connection, domain events
 * for the lifecycle, bulk domain stats for per-vCPU evidence ({@code vcpu.N.exits.sum}, {@code
 * vcpu.N.halt_exits.sum}, {@code vcpu.N.time}). No domain XML is read or changed and nothing taints
 * a domain, unless register confirmation is explicitly enabled.
 */
@NullMarked
package org.qmpsentinel.agent.discovery.libvirt;

import org.jspecify.annotations.NullMarked;
