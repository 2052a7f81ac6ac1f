/**
 * Micrometer meters in Prometheus convention ({@code qmp_sentinel_*}, base units, {@code vm} and
 * {@code uuid} labels). Label values are bounded: VM names, vCPU indexes, QEMU's run states, the
 * three hang kinds and the policy's decision codes. A vanished VM's meters are removed.
 */
@NullMarked
package org.qmpsentinel.agent.metrics;

import org.jspecify.annotations.NullMarked;
