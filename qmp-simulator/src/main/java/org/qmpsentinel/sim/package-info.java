/**
 * A QMP endpoint simulator for scale tests: one process serving many fake QEMU 7.2 monitors on unix
 * sockets, with replies rendered from lines captured from a real QEMU ({@code capture.py}).
 *
 * <p>Start at {@link org.qmpsentinel.sim.QmpSimulator}. Per-VM work is done only when a monitor is
 * asked something: counters are computed from elapsed time at query time, so idle VMs cost nothing
 * and there are no per-VM timers.
 */
@NullMarked
package org.qmpsentinel.sim;

import org.jspecify.annotations.NullMarked;
