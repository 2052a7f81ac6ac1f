package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Jazzer over the {@code info registers} parser: the text is whatever an HMP reply held, so a
 * hostile (or merely different) QEMU chooses it. The parser promises never to throw; what it
 * returns is bounded by the text (at most one entry per {@code CPU#} header, plus the default
 * CPU's) and consistent (each entry keyed by its own cpu index).
 *
 * <p>The build runs the committed corpus ({@code InfoRegistersFuzzTestInputs/infoRegisters}, the
 * recorded dumps of QEMU 7.2 and mangled ones) as regression tests; {@code scripts/fuzz} fuzzes
 * with {@code JAZZER_FUZZ=1} for the budget below.
 */
class InfoRegistersFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void infoRegisters(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Map<Integer, X86Registers> parsed = X86RegistersParser.parse(text, 7);
    int headers = text.split("CPU#", -1).length - 1;
    assertThat(parsed.size()).isLessThanOrEqualTo(headers + 1);
    parsed.forEach((cpu, registers) -> assertThat(registers.cpuIndex()).isEqualTo(cpu));
  }
}
