package org.qmpsentinel.hang;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.hang.X86Registers.CpuMode;

/** Golden files: `info registers -a` captured from this machine's QEMU 7.2. */
class X86RegistersParserTest {

  static String golden(String name) throws IOException {
    try (InputStream in = X86RegistersParserTest.class.getResourceAsStream("/registers/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void apAtTheResetVector16Bit() throws IOException {
    Map<Integer, X86Registers> cpus =
        X86RegistersParser.parse(golden("reset-vector-16bit-kvm.txt"), 0);
    assertThat(cpus).containsOnlyKeys(0, 1);
    X86Registers ap = cpus.get(1);
    assertThat(ap.ip()).isEqualTo(0xfff0L);
    assertThat(ap.csSelector()).isEqualTo(0xf000);
    assertThat(ap.csBase()).isEqualTo(0xffff0000L);
    assertThat(ap.halted()).isFalse();
    assertThat(ap.smm()).isFalse();
    assertThat(ap.mode()).isEqualTo(CpuMode.REAL);
    assertThat(ap.atResetVector()).isTrue();
    assertThat(cpus.get(0).atResetVector()).isFalse(); // the BSP spins in the ROM
  }

  @Test
  void seabios32BitProtectedMode() throws IOException {
    X86Registers bsp = X86RegistersParser.parse(golden("seabios-32bit-tcg.txt"), 0).get(0);
    assertThat(bsp.mode()).isEqualTo(CpuMode.PROTECTED);
    assertThat(bsp.csSelector()).isEqualTo(0x0008);
    assertThat(bsp.csBase()).isZero();
    assertThat(bsp.ip()).isEqualTo(0x000e9ee8L);
    assertThat(bsp.eflags()).isEqualTo(0x46);
  }

  @Test
  void seabiosIdleRealMode() throws IOException {
    Map<Integer, X86Registers> cpus =
        X86RegistersParser.parse(golden("seabios-idle-16bit-kvm.txt"), 0);
    assertThat(cpus.get(0).mode()).isEqualTo(CpuMode.REAL);
    assertThat(cpus.get(0).halted()).isTrue();
    assertThat(cpus.get(1).atResetVector()).isFalse(); // a parked AP: SeaBIOS woke it
  }

  @Test
  void linux64BitLongMode() throws IOException {
    X86Registers bsp = X86RegistersParser.parse(golden("linux-64bit-kvm.txt"), 0).get(0);
    assertThat(bsp.mode()).isEqualTo(CpuMode.LONG);
    assertThat(bsp.ip()).isEqualTo(0x4f3a573L);
    assertThat(bsp.csSelector()).isEqualTo(0x10);
    assertThat(bsp.cr0()).isEqualTo(0x80050033L);
    assertThat(bsp.cr3()).isEqualTo(0x4f77000L);
    assertThat(bsp.cr4()).isEqualTo(0x20L);
    assertThat(bsp.eflags()).isEqualTo(0x6L);
    assertThat(bsp.linearIp()).isEqualTo(0x4f3a573L); // CS base 0 in long mode
  }

  @Test
  void realModeLinearAddressAddsTheCsBase() throws IOException {
    X86Registers ap = X86RegistersParser.parse(golden("reset-vector-16bit-kvm.txt"), 0).get(1);
    assertThat(ap.linearIp()).isEqualTo(0xfffffff0L);
    assertThat(ap.cr0()).isEqualTo(0x60000010L);
  }

  @Test
  void singleCpuDumpIsKeyedByTheDefaultCpu() throws IOException {
    String one = golden("reset-vector-16bit-kvm.txt").split("CPU#1")[1];
    assertThat(X86RegistersParser.parse(one, 3)).containsOnlyKeys(3);
    assertThat(X86RegistersParser.parse(one, 3).get(3).atResetVector()).isTrue();
  }

  @Test
  void unknownLinesAreIgnored() {
    assertThat(X86RegistersParser.parse("hello\nCPU#x\nEIP=zz\n", 0)).isEmpty();
    assertThat(X86RegistersParser.parse(null, 0)).isEmpty();
  }

  @Property(tries = 300)
  void neverThrows(@ForAll String text) {
    X86RegistersParser.parse(text, 0);
  }

  @Property(tries = 200)
  void neverThrowsOnMangledGoldenText(@ForAll("cuts") int cut) throws IOException {
    String text = golden("linux-64bit-kvm.txt");
    X86RegistersParser.parse(text.substring(0, Math.min(cut, text.length())), 0);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Integer> cuts() {
    return net.jqwik.api.Arbitraries.integers().between(0, 4000);
  }
}
