package org.qmpsentinel.hang;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Parses QEMU's x86 {@code info registers} text (one CPU, or {@code -a} with {@code CPU#n}
 * sections). Tolerant: unknown lines are skipped and never throw.
 */
public final class X86RegistersParser {
  private X86RegistersParser() {}

  /**
   * Registers by cpu index; a single-CPU dump is keyed by {@code defaultCpu}. No text (null) parses
   * to nothing.
   */
  public static Map<Integer, X86Registers> parse(@Nullable String text, int defaultCpu) {
    return org.qmpsentinel.hang.internal.parse.InfoRegistersParser.parse(text, defaultCpu);
  }
}
