package org.qmpsentinel.hang.internal.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The scanner reads every input exactly as the regex parser it replaced ({@link
 * RegexInfoRegistersParser}): the recorded and mangled dumps of the fuzz corpus, every cut and byte
 * flip of them, and generated text over the characters a dump is made of.
 */
class InfoRegistersParserEquivalenceTest {
  private static final Path CORPUS =
      Path.of("src/test/resources/org/qmpsentinel/hang/InfoRegistersFuzzTestInputs/infoRegisters");

  @Test
  void theCorpusAndMutationsOfItAreReadAlike() throws IOException {
    List<String> dumps = corpus();
    assertThat(dumps).hasSizeGreaterThanOrEqualTo(5);
    Random random = new Random(20261127);
    int compared = 0;
    for (String dump : dumps) {
      assertSame(dump);
      for (int cut = 0; cut < dump.length(); cut += 7) {
        assertSame(dump.substring(0, cut));
        assertSame(dump.substring(cut));
      }
      for (int round = 0; round < 500; round++) {
        char[] chars = dump.toCharArray();
        if (chars.length == 0) {
          break;
        }
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          chars[random.nextInt(chars.length)] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        assertSame(new String(chars));
        compared++;
      }
    }
    assertThat(compared).isGreaterThan(1000);
  }

  @Property(tries = 2000)
  void generatedTextIsReadAlike(@ForAll("dumpLike") String text) {
    assertSame(text);
  }

  private static final String ALPHABET =
      "CPU#0123456789abcdefABCDEFGHILMRSTXYZ= \t\r\n\u000b\f\u2028[]-";

  @Provide
  Arbitrary<String> dumpLike() {
    return Arbitraries.strings()
        .withChars(ALPHABET.toCharArray())
        .ofMaxLength(300)
        .injectDuplicates(0.1)
        .edgeCases(e -> e.add("CPU#1\r\nCS =f000 ffff0000 0000ffff 00009b00 CS64\r\nEIP=fff0"));
  }

  private static void assertSame(String text) {
    assertThat(InfoRegistersParser.parse(text, 3))
        .as("parsed %s", text)
        .isEqualTo(RegexInfoRegistersParser.parse(text, 3));
  }

  private static List<String> corpus() throws IOException {
    List<String> dumps = new ArrayList<>();
    try (Stream<Path> files = Files.list(CORPUS)) {
      for (Path f : files.sorted().toList()) {
        dumps.add(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
      }
    }
    return dumps;
  }
}
