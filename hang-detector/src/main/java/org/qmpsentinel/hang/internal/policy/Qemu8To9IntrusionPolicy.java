package org.qmpsentinel.hang.internal.policy;

import java.util.Map;
import java.util.OptionalInt;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionPolicy;

/**
 * QEMU 8.0 to 9.2 (Ubuntu 24.04 ships 8.2, RHEL 9 ships 8.x/9.x). <b>Not read from 8.x's or 9.x's
 * source</b>: the machine's Debian mirror serves no 8.x or 9.x source package. Mapped
 * conservatively: every entry is {@link Qemu72IntrusionPolicy}'s, the stricter of the two tables
 * read (7.2 and 10.0, see {@link Qemu10IntrusionPolicy}) for every command they share.
 *
 * <p>The one entry where the two differ is {@code query-stats} (target vcpu): 7.2 reads each vCPU's
 * stats inside {@code run_on_cpu} (a kick), 10.0 reads the per-vCPU stats fd from the monitor
 * thread (no kick). QEMU's history puts that change in 8.1 ("kvm: reuse per-vcpu stats fd to avoid
 * vcpu interruption"), but without 8.1's source to read it stays KICKS_VCPUS here: the cost of
 * being wrong that way is only the kick rate limit on polls, never a synchronization.
 */
public final class Qemu8To9IntrusionPolicy implements IntrusionPolicy {
  private final IntrusionPolicy base = new Qemu72IntrusionPolicy();

  @Override
  public String name() {
    return "qemu-8.x-9.x";
  }

  @Override
  public Intrusion classifyQmp(String command, Map<String, Object> arguments) {
    return base.classifyQmp(command, arguments);
  }

  @Override
  public Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex) {
    return base.classifyHmp(commandLine, cpuIndex);
  }
}
