package org.qmpsentinel.hang.internal.parse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.X86Registers;

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
    @Nullable DumpSection current = null;
    for (String raw : text.split("\\R")) {
      String line = raw.strip();
      Matcher header = CPU_HEADER.matcher(line);
      if (header.matches()) {
        if (current != null && current.keep()) {
          result.put(current.cpu, current.build());
        }
        current = new DumpSection(cpuIndex(header.group(1)));
        continue;
      }
      if (current == null) {
        current = new DumpSection(defaultCpu);
      }
      accept(current, line);
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

  private static void accept(DumpSection section, String line) {
    Matcher segment = SEGMENT.matcher(line);
    if (segment.find()) {
      if (segment.group(1).equals("CS")) {
        try {
          section.codeSegment(hex(segment.group(2)), hex(segment.group(3)), line.contains("CS64"));
        } catch (NumberFormatException e) {
          // wider than 64 bits
        }
      }
      return;
    }
    Matcher field = FIELD.matcher(line);
    while (field.find()) {
      try {
        section.field(field.group(1), hex(field.group(2)));
      } catch (NumberFormatException e) {
        // e.g. a 128-bit register: not needed
      }
    }
  }

  private static long hex(String s) {
    return Long.parseUnsignedLong(s, 16);
  }
}
