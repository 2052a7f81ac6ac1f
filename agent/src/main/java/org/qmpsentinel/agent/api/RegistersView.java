package org.qmpsentinel.agent.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSnapshot.RegisterSample;
import org.qmpsentinel.hang.X86Registers;

/**
 * {@code GET /api/v1/vms/{id}/registers}: the latest sample of each sampled vCPU, parsed, with its
 * age. Values are hex strings as QEMU prints them; a field QEMU did not print is {@code null}.
 */
record RegistersView(String vm, String phase, List<Vcpu> vcpus) {

  /**
   * One vCPU's latest sample.
   *
   * @param ageSeconds how long ago its reply arrived
   * @param mode REAL, PROTECTED, LONG or UNKNOWN
   * @param ip RIP (EIP outside long mode)
   */
  record Vcpu(
      int cpu,
      Instant sampledAt,
      double ageSeconds,
      String mode,
      @Nullable String ip,
      @Nullable String csSelector,
      @Nullable String csBase,
      boolean halted,
      boolean smm,
      @Nullable String rflags,
      @Nullable String cr0,
      @Nullable String cr3,
      @Nullable String cr4) {}

  static RegistersView of(VmSnapshot s, Instant now) {
    return new RegistersView(
        s.name(), s.phase().name(), s.registers().stream().map(r -> row(r, now)).toList());
  }

  private static Vcpu row(RegisterSample sample, Instant now) {
    X86Registers r = sample.registers();
    return new Vcpu(
        sample.cpuIndex(),
        sample.at(),
        Math.max(0, Duration.between(sample.at(), now).toMillis() / 1000.0),
        r.mode().name(),
        hex(r.ip(), 16),
        hex(r.csSelector(), 4),
        hex(r.csBase(), 8),
        r.halted(),
        r.smm(),
        hex(r.eflags(), 8),
        hex(r.cr0(), 8),
        hex(r.cr3(), 16),
        hex(r.cr4(), 8));
  }

  /** Zero-padded hex; null for a field the dump lacked (-1). */
  private static @Nullable String hex(long value, int digits) {
    return value == -1 ? null : String.format("%0" + digits + "x", value);
  }
}
