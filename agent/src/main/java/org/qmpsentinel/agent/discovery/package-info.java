/**
 * Finding the QEMU instances on this host: explicit endpoints, a watched socket directory, a /proc
 * scan of qemu-system processes, and libvirt's live domain status. Sources are merged and
 * de-duplicated by VM identity.
 */
@NullMarked
package org.qmpsentinel.agent.discovery;

import org.jspecify.annotations.NullMarked;
