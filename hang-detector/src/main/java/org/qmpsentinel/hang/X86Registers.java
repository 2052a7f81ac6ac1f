package org.qmpsentinel.hang;

/**
 * The fields of QEMU's x86 {@code info registers} output that detection needs.
 *
 * @param ip EIP or RIP
 * @param csSelector CS selector
 * @param csBase CS base
 * @param halted the {@code HLT=} field
 * @param smm the {@code SMM=} field
 * @param eflags RFLAGS/EFLAGS; -1 when absent
 * @param cr0 CR0; -1 when absent
 * @param cr3 CR3; -1 when absent
 * @param cr4 CR4; -1 when absent
 */
public record X86Registers(
    int cpuIndex,
    long ip,
    int csSelector,
    long csBase,
    long eflags,
    boolean halted,
    boolean smm,
    CpuMode mode,
    long cr0,
    long cr3,
    long cr4) {

  public enum CpuMode {
    REAL,
    PROTECTED,
    LONG,
    UNKNOWN
  }

  /** The linear address of the next instruction: CS base + RIP (what firmware windows compare). */
  public long linearIp() {
    return csBase < 0 ? ip : csBase + ip;
  }

  /** EIP=0000fff0, CS=f000 base ffff0000, not halted: a vCPU that never received INIT/SIPI. */
  public boolean atResetVector() {
    return ip == 0xfff0L && csSelector == 0xf000 && csBase == 0xffff0000L && !halted;
  }
}
