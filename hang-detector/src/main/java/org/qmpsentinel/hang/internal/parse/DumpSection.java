package org.qmpsentinel.hang.internal.parse;

import org.qmpsentinel.hang.X86Registers;
import org.qmpsentinel.hang.X86Registers.CpuMode;

/**
 * The fields read so far of one {@code CPU#n} section of an {@code info registers} dump, and the
 * {@link X86Registers} they make. The parser decides what a field is; this decides what it means.
 */
final class DumpSection {
  final int cpu;
  private boolean seen;
  private long ip = -1;
  private int cs = -1;
  private long csBase = -1;
  private long eflags = -1;
  private boolean halted;
  private boolean smm;
  private long cr0 = -1;
  private long cr3 = -1;
  private long cr4 = -1;
  private long efer = -1;
  private boolean cs64;

  /** {@code cpu} is -1 for a section whose header is no int: it is read, then dropped. */
  DumpSection(int cpu) {
    this.cpu = cpu;
  }

  /** Whether the field {@code NAME=value} is one this reads (the rest are never parsed). */
  static boolean wanted(String name) {
    return switch (name) {
      case "EIP", "RIP", "EFL", "RFL", "HLT", "SMM", "CR0", "CR3", "CR4", "EFER" -> true;
      default -> false;
    };
  }

  void field(String name, long value) {
    switch (name) {
      case "EIP", "RIP" -> {
        ip = value;
        seen = true;
      }
      case "EFL", "RFL" -> eflags = value;
      case "HLT" -> halted = value != 0;
      case "SMM" -> smm = value != 0;
      case "CR0" -> cr0 = value;
      case "CR3" -> cr3 = value;
      case "CR4" -> cr4 = value;
      case "EFER" -> efer = value;
      default -> {}
    }
  }

  /** The {@code CS =selector base limit flags} line; {@code CS64} marks a 64-bit code segment. */
  void codeSegment(long selector, long base, boolean longMode) {
    cs = (int) selector;
    csBase = base;
    cs64 = longMode;
    seen = true;
  }

  /** A section with neither an instruction pointer nor a CS line is no register dump. */
  boolean keep() {
    return seen && cpu >= 0;
  }

  X86Registers build() {
    CpuMode mode;
    if (efer >= 0 && (efer & (1L << 10)) != 0 || cs64) {
      mode = CpuMode.LONG; // EFER.LMA
    } else if (cr0 >= 0) {
      mode = (cr0 & 1) != 0 ? CpuMode.PROTECTED : CpuMode.REAL;
    } else {
      mode = CpuMode.UNKNOWN;
    }
    return new X86Registers(cpu, ip, cs, csBase, eflags, halted, smm, mode, cr0, cr3, cr4);
  }
}
