package org.qmpsentinel.agent.supervisor;

import java.time.Duration;
import java.util.List;

/**
 * The register sampler ({@code sentinel.registers.*}): one vCPU's {@code info registers} per VM at
 * a time, always through the intrusion policy.
 *
 * @param enabled sample at all (on by default)
 * @param interval time between two samples of one VM (each reads one vCPU; the policy's own limit,
 *     {@code sentinel.detector.sync-min-interval}, applies on top)
 * @param vcpus the cpu-indexes to sample; empty samples every vCPU (in STARTUP only the BSP is ever
 *     read, whatever this says)
 */
public record RegisterSettings(boolean enabled, Duration interval, List<Integer> vcpus) {
  public RegisterSettings {
    vcpus = List.copyOf(vcpus);
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("register sample interval must be positive: " + interval);
    }
  }

  public static RegisterSettings defaults() {
    return new RegisterSettings(true, Duration.ofSeconds(10), List.of());
  }

  public static RegisterSettings off() {
    return new RegisterSettings(false, Duration.ofSeconds(10), List.of());
  }
}
