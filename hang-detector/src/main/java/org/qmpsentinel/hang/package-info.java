/**
 * Pure detection logic for qmp-sentinel: no I/O to QEMU, no Spring, no Netty.
 *
 * <p>The agent feeds one {@link org.qmpsentinel.hang.VmWatch} per VM with {@link
 * org.qmpsentinel.hang.Observation}s (lifecycle events, run states, per-vCPU samples) and gets
 * {@link org.qmpsentinel.hang.HangEvent}s back. Before it sends anything that could synchronize
 * vCPU state it asks the same watch ({@link org.qmpsentinel.hang.VmWatch#requestIntrusion}), which
 * applies the {@link org.qmpsentinel.hang.IntrusionPolicy} for the VM's current {@link
 * org.qmpsentinel.hang.Phase}. Time comes from an injected {@link org.qmpsentinel.hang.Ticker}, so
 * everything here is deterministic under test.
 */
package org.qmpsentinel.hang;
