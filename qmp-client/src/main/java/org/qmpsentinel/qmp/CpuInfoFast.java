package org.qmpsentinel.qmp;

/**
 * One vCPU from {@code query-cpus-fast} (which, unlike the removed {@code query-cpus}, never
 * interrupts or synchronizes vCPUs).
 *
 * @param qomPath e.g. {@code /machine/unattached/device[0]}; {@code query-stats} results are keyed
 *     by it, so it is how stats are matched to vCPUs
 * @param threadId the host thread id (tid) running this vCPU
 * @param target QEMU's target, e.g. {@code x86_64}
 */
public record CpuInfoFast(int cpuIndex, String qomPath, long threadId, String target) {}
