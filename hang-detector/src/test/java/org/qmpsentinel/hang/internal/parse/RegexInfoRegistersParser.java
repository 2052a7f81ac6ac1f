package org.qmpsentinel.hang.internal.parse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.X86Registers;
import org.qmpsentinel.hang.X86Registers.CpuMode;

/**
 * The regex parser {@link InfoRegistersParser} replaced (it cost a third of the pipeline's CPU at
 * 1,000 VMs), kept as the oracle of {@code InfoRegistersParserEquivalenceTest}: the hand-written
 * scanner must read every input exactly as this did. Reads the fields of target/i386/cpu-dump.c's
 * {@code x86_cpu_dump_state} output that detection needs. Works line by line and ignores anything
 * it does not recognise, so output from other QEMU versions degrades to missing fields, never to an
 * exception.
 */
final class RegexInfoRegistersParser {
  private static final Pattern CPU_HEADER = Pattern.compile("^CPU#(\\d+)\\s*$");
  private static final Pattern FIELD = Pattern.compile("([A-Z][A-Z0-9]*)=([0-9a-fA-F]+)");
  private static final Pattern SEGMENT =
      Pattern.compile(
          "^(ES|CS|SS|DS|FS|GS|LDT|TR)\\s*=([0-9a-fA-F]+)\\s+([0-9a-fA-F]+)\\s+([0-9a-fA-F]+)\\s+([0-9a-fA-F]+)");

  private RegexInfoRegistersParser() {}

  public static Map<Integer, X86Registers> parse(@Nullable String text, int defaultCpu) {
    Map<Integer, X86Registers> result = new LinkedHashMap<>();
    if (text == null) {
      return result;
    }
    @Nullable Builder current = null;
    for (String raw : text.split("\\R")) {
      String line = raw.strip();
      Matcher header = CPU_HEADER.matcher(line);
      if (header.matches()) {
        if (current != null && current.keep()) {
          result.put(current.cpu, current.build());
        }
        current = new Builder(cpuIndex(header.group(1)));
        continue;
      }
      if (current == null) {
        current = new Builder(defaultCpu);
      }
      current.accept(line);
    }
    if (current != null && current.keep()) {
      result.put(current.cpu, current.build());
    }
    return result;
  }

  /**
   * The index of a {@code CPU#n} header, or -1 when it is no int (found by InfoRegistersFuzzTest:
   * {@code CPU#99999999999} threw). The section is then read and dropped: its fields must not be
   * credited to the CPU before it.
   */
  private static int cpuIndex(String digits) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static final class Builder {
    final int cpu;
    boolean seen;
    long ip = -1;
    int cs = -1;
    long csBase = -1;
    long eflags = -1;
    boolean halted;
    boolean smm;
    long cr0 = -1;
    long cr3 = -1;
    long cr4 = -1;
    long efer = -1;
    boolean cs64;

    Builder(int cpu) {
      this.cpu = cpu;
    }

    boolean keep() {
      return seen && cpu >= 0;
    }

    void accept(String line) {
      Matcher segment = SEGMENT.matcher(line);
      if (segment.find()) {
        if (segment.group(1).equals("CS")) {
          try {
            long selector = hex(segment.group(2));
            long base = hex(segment.group(3));
            cs = (int) selector;
            csBase = base;
            cs64 = line.contains("CS64");
            seen = true;
          } catch (NumberFormatException e) {
            // wider than 64 bits (found by InfoRegistersFuzzTest): no CS from this line
          }
        }
        return;
      }
      Matcher field = FIELD.matcher(line);
      while (field.find()) {
        String name = field.group(1);
        long value;
        try {
          value = hex(field.group(2));
        } catch (NumberFormatException e) {
          continue; // e.g. a 128-bit register: not needed
        }
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

    private static long hex(String s) {
      return Long.parseUnsignedLong(s, 16);
    }
  }
}
