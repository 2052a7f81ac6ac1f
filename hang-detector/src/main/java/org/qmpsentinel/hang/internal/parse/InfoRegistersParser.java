package org.qmpsentinel.hang.internal.parse;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.hang.X86Registers;

/**
 * Reads the fields of target/i386/cpu-dump.c's {@code x86_cpu_dump_state} output that detection
 * needs. Works line by line and ignores anything it does not recognise, so output from other QEMU
 * versions degrades to missing fields, never to an exception.
 *
 * <p>A hand-written scanner, not regular expressions: the sampler parses one dump per VM every few
 * seconds, and at 1,000 VMs the former regex parser was a third of the pipeline's CPU. It reads
 * every input as that parser did (a test compares the two on the corpus and on generated input): a
 * field is {@code NAME=HEX} with NAME matching {@code [A-Z][A-Z0-9]*}, a segment line is {@code CS
 * =selector base limit flags}.
 */
public final class InfoRegistersParser {
  private static final Pattern LINES = Pattern.compile("\\R");
  private static final String[] SEGMENTS = {"ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"};

  private InfoRegistersParser() {}

  public static Map<Integer, X86Registers> parse(@Nullable String text, int defaultCpu) {
    Map<Integer, X86Registers> result = new LinkedHashMap<>();
    if (text == null) {
      return result;
    }
    @Nullable DumpSection current = null;
    for (String raw : LINES.split(text)) {
      String line = raw.strip();
      if (isCpuHeader(line)) {
        if (current != null && current.keep()) {
          result.put(current.cpu, current.build());
        }
        current = new DumpSection(cpuIndex(line.substring(4)));
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

  /** {@code CPU#} and one or more ASCII digits, nothing else. */
  private static boolean isCpuHeader(String line) {
    if (line.length() < 5 || !line.startsWith("CPU#")) {
      return false;
    }
    for (int i = 4; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
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

  static boolean isHex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }

  static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  /** The whitespace of {@code \s} in a Java regex: space, tab, LF, VT, FF, CR. */
  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
  }

  /**
   * The ends of the four hex numbers of a segment line ({@code NAME\s*=hex\s+hex\s+hex\s+hex}), as
   * {@code [start0, end0, ..., start3, end3]}, or null when the line is not one.
   */
  static int @Nullable [] segment(String line) {
    int at = -1;
    for (String name : SEGMENTS) {
      if (line.startsWith(name)) {
        at = name.length();
        break;
      }
    }
    if (at < 0) {
      return null;
    }
    while (at < line.length() && isSpace(line.charAt(at))) {
      at++;
    }
    if (at >= line.length() || line.charAt(at) != '=') {
      return null;
    }
    at++;
    int[] bounds = new int[8];
    for (int n = 0; n < 4; n++) {
      if (n > 0) {
        int spaces = at;
        while (at < line.length() && isSpace(line.charAt(at))) {
          at++;
        }
        if (at == spaces) {
          return null;
        }
      }
      int start = at;
      while (at < line.length() && isHex(line.charAt(at))) {
        at++;
      }
      if (at == start) {
        return null;
      }
      bounds[2 * n] = start;
      bounds[2 * n + 1] = at;
    }
    return bounds;
  }

  /** One section's lines: the CS line, and every {@code NAME=HEX} field of the others. */
  private static void accept(DumpSection section, String line) {
    int[] segment = segment(line);
    if (segment != null) {
      if (line.startsWith("CS")) {
        try {
          section.codeSegment(
              hex(line, segment[0], segment[1]),
              hex(line, segment[2], segment[3]),
              line.contains("CS64"));
        } catch (NumberFormatException e) {
          // wider than 64 bits (found by InfoRegistersFuzzTest): no CS from this line
        }
      }
      return;
    }
    // Every NAME=HEX, left to right: the name is the longest run of [A-Z0-9] before the '='
    // that starts with a letter, the value the run of hex digits after it.
    int from = 0;
    for (int eq = line.indexOf('=', from); eq >= 0; eq = line.indexOf('=', from)) {
      int start = eq;
      while (start > from && (isUpper(line.charAt(start - 1)) || isDigit(line.charAt(start - 1)))) {
        start--;
      }
      while (start < eq && !isUpper(line.charAt(start))) {
        start++;
      }
      int end = eq + 1;
      while (end < line.length() && isHex(line.charAt(end))) {
        end++;
      }
      if (start == eq || end == eq + 1) {
        from = eq + 1;
        continue;
      }
      String name = line.substring(start, eq);
      if (DumpSection.wanted(name)) {
        try {
          section.field(name, hex(line, eq + 1, end));
        } catch (NumberFormatException e) {
          // wider than 64 bits: no such register is read
        }
      }
      from = end;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static long hex(String s, int from, int to) {
    return Long.parseUnsignedLong(s, from, to, 16);
  }
}
