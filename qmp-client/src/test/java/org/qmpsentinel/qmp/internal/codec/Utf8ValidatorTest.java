package org.qmpsentinel.qmp.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The validator agrees with the JDK's strict UTF-8 decoder, however the input is split. */
class Utf8ValidatorTest {
  private static boolean jdkAccepts(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static boolean validatorAccepts(byte[] bytes, int split) {
    Utf8Validator v = new Utf8Validator();
    return v.validate(bytes, 0, split) < 0
        && v.validate(bytes, split, bytes.length) < 0
        && !v.midSequence();
  }

  @Provide
  Arbitrary<byte[]> mostlyNonAscii() {
    // Lead bytes, continuation bytes and the odd ASCII one, so sequences are often complete.
    Arbitrary<Byte> any = Arbitraries.bytes();
    Arbitrary<Byte> high = Arbitraries.integers().between(0x80, 0xFF).map(i -> (byte) (int) i);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, any), net.jqwik.api.Tuple.of(4, high))
        .array(byte[].class)
        .ofMaxSize(12);
  }

  @Property(tries = 3000)
  void agreesWithTheJdk(@ForAll("mostlyNonAscii") byte[] bytes, @ForAll int cut) {
    int split = Math.floorMod(cut, bytes.length + 1);
    assertThat(validatorAccepts(bytes, split)).isEqualTo(jdkAccepts(bytes));
  }

  @Test
  void everyTwoAndThreeByteSequenceAgreesWithTheJdk() {
    for (int a = 0x80; a <= 0xFF; a++) {
      for (int b = 0; b <= 0xFF; b++) {
        byte[] two = {(byte) a, (byte) b};
        assertThat(validatorAccepts(two, 1)).as("%02X %02X", a, b).isEqualTo(jdkAccepts(two));
        for (int c : List.of(0x00, 0x7F, 0x80, 0xBF, 0xC0)) {
          byte[] three = {(byte) a, (byte) b, (byte) c};
          assertThat(validatorAccepts(three, 2))
              .as("%02X %02X %02X", a, b, c)
              .isEqualTo(jdkAccepts(three));
        }
      }
    }
  }

  @Test
  void longAsciiRunsAroundASequenceAreSkippedCorrectly() {
    byte[] text = ("a".repeat(17) + "\u20ac" + "b".repeat(9)).getBytes(StandardCharsets.UTF_8);
    assertThat(validatorAccepts(text, 18)).isTrue();
    text[17] = (byte) 0xC0;
    assertThat(new Utf8Validator().validate(text, 0, text.length)).isEqualTo(17);
  }
}
