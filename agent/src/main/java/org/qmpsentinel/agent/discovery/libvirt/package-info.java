/**
 * Discovery of libvirt-managed VMs from libvirt's live domain status files: name, UUID, pid, and
 * the extra QMP socket a domain declares for qmp-sentinel (libvirt keeps its own monitor).
 */
@NullMarked
package org.qmpsentinel.agent.discovery.libvirt;

import org.jspecify.annotations.NullMarked;
