package org.qmpsentinel.agent.discovery.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JNA binding's reading of {@code virTypedParameter} arrays, on memory laid out as libvirt's C
 * ABI lays it out (x86_64: char field[80]; int type; 4 bytes padding; 8-byte union). Every type is
 * covered, including those the stats libvirt returns today never use (double, boolean, int): a
 * running libvirt cannot be made to produce them, so the memory is written here, named so. The real
 * call is exercised by LibvirtIT.
 */
class DomainStatsCallsTest {

  @Test
  void layoutMatchesLibvirtsStruct() {
    assertThat(DomainStatsCalls.PARAM_SIZE).isEqualTo(96);
    assertThat(DomainStatsCalls.VALUE_OFFSET).isEqualTo(88);
  }

  @Test
  void readsEveryTypedParameterTypeAndSkipsUnknownOnes() {
    Memory strings = new Memory(16);
    strings.setString(0, "no", StandardCharsets.UTF_8.name());
    Memory params = new Memory(8L * DomainStatsCalls.PARAM_SIZE);
    params.clear();
    write(params, 0, "state.state", DomainStatsCalls.TYPE_INT, m -> m.setInt(88, 1));
    write(params, 1, "vcpu.current", DomainStatsCalls.TYPE_UINT, m -> m.setInt(88 + 96, -1));
    write(params, 2, "x.llong", DomainStatsCalls.TYPE_LLONG, m -> m.setLong(88 + 2 * 96, -5L));
    write(
        params,
        3,
        "vcpu.0.exits.sum",
        DomainStatsCalls.TYPE_ULLONG,
        m -> m.setLong(88 + 3 * 96, 2749L));
    write(params, 4, "x.double", DomainStatsCalls.TYPE_DOUBLE, m -> m.setDouble(88 + 4 * 96, 0.5));
    write(
        params, 5, "x.bool", DomainStatsCalls.TYPE_BOOLEAN, m -> m.setByte(88 + 5 * 96, (byte) 1));
    write(
        params,
        6,
        "vcpu.0.guest_mode.cur",
        DomainStatsCalls.TYPE_STRING,
        m -> m.setPointer(88 + 6 * 96, strings));
    write(params, 7, "x.future", 42, m -> m.setLong(88 + 7 * 96, 9));

    Map<String, Object> read = DomainStatsCalls.readParams(params, 8);

    assertThat(read)
        .containsExactly(
            Map.entry("state.state", 1L),
            Map.entry("vcpu.current", 4_294_967_295L), // unsigned int, not -1
            Map.entry("x.llong", -5L),
            Map.entry("vcpu.0.exits.sum", 2749L),
            Map.entry("x.double", 0.5),
            Map.entry("x.bool", true),
            Map.entry("vcpu.0.guest_mode.cur", "no"));
  }

  @Test
  void aFieldNameFillingAllEightyBytesIsNotReadPastItsEnd() {
    Memory params = new Memory(DomainStatsCalls.PARAM_SIZE);
    params.clear();
    byte[] name = "v".repeat(80).getBytes(StandardCharsets.US_ASCII); // no NUL inside the field
    params.write(0, name, 0, 80);
    params.setInt(80, DomainStatsCalls.TYPE_INT);
    params.setInt(84, 0x41414141); // padding that a reader running past the field would take
    params.setInt(88, 3);
    assertThat(DomainStatsCalls.readParams(params, 1))
        .containsExactly(Map.entry("v".repeat(80), 3L));
  }

  private interface Setter {
    void set(Memory m);
  }

  private static void write(Memory m, int index, String field, int type, Setter value) {
    long at = (long) index * DomainStatsCalls.PARAM_SIZE;
    byte[] name = field.getBytes(StandardCharsets.US_ASCII);
    m.write(at, name, 0, name.length);
    m.setByte(at + name.length, (byte) 0);
    m.setInt(at + DomainStatsCalls.TYPE_OFFSET, type);
    value.set(m);
  }
}
