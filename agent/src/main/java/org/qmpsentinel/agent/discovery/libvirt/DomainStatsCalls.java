package org.qmpsentinel.agent.discovery.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.jna.ConnectionPointer;

/**
 * The libvirt calls libvirt-java 0.5.3 lacks, bound through JNA in its style: bulk domain stats
 * ({@code virConnectGetAllDomainStats}, {@code virDomainListGetStats}) and domain handles by UUID.
 * Every record and typed parameter is copied into Java values before libvirt's memory is freed.
 */
final class DomainStatsCalls {
  /** {@code VIR_DOMAIN_STATS_STATE}: {@code state.state}, {@code state.reason}. */
  static final int STATS_STATE = 1;

  /** {@code VIR_DOMAIN_STATS_VCPU}: {@code vcpu.N.*}, with QEMU's {@code query-stats} counters. */
  static final int STATS_VCPU = 8;

  /** {@code VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE}. */
  static final int ACTIVE = 1;

  // virTypedParameter (include/libvirt/libvirt-common.h): char field[80]; int type; union value.
  static final int FIELD_LENGTH = 80;
  static final int TYPE_OFFSET = 80;
  static final int VALUE_OFFSET = 88; // the union holds a long long/double: 8-byte aligned
  static final int PARAM_SIZE = 96;

  static final int TYPE_INT = 1;
  static final int TYPE_UINT = 2;
  static final int TYPE_LLONG = 3;
  static final int TYPE_ULLONG = 4;
  static final int TYPE_DOUBLE = 5;
  static final int TYPE_BOOLEAN = 6;
  static final int TYPE_STRING = 7;

  /** The C functions, from the same {@code libvirt.so.0} that libvirt-java loads. */
  interface Native_ extends Library {
    int virConnectGetAllDomainStats(
        ConnectionPointer conn, int stats, PointerByReference retStats, int flags);

    int virDomainListGetStats(Pointer doms, int stats, PointerByReference retStats, int flags);

    void virDomainStatsRecordListFree(Pointer stats);

    @Nullable Pointer virDomainLookupByUUIDString(ConnectionPointer conn, String uuid);

    int virDomainFree(Pointer domain);

    @Nullable String virDomainGetName(Pointer domain);

    int virDomainGetUUIDString(Pointer domain, byte[] buf);

    @Nullable String virGetLastErrorMessage();
  }

  private static final Native_ LIBVIRT = Native.load("virt", Native_.class);

  /** One domain's record: its identity and every typed parameter, by name. */
  record DomainStats(String uuid, String name, Map<String, Object> params) {
    DomainStats {
      params = Map.copyOf(params);
    }
  }

  /** A libvirt-java connection that lends its handle to these calls. */
  static final class Connection extends Connect {
    Connection(String uri, boolean readOnly) throws LibvirtException {
      super(uri, readOnly);
    }

    ConnectionPointer handle() {
      return vcp;
    }
  }

  private DomainStatsCalls() {}

  /** {@code virConnectGetAllDomainStats(conn, stats, ACTIVE)}: every running domain, one call. */
  static List<DomainStats> allActive(Connection conn, int stats) throws StatsCallException {
    PointerByReference out = new PointerByReference();
    check(LIBVIRT.virConnectGetAllDomainStats(conn.handle(), stats, out, ACTIVE));
    return records(out.getValue());
  }

  /** {@code virDomainListGetStats}: the given domains (handles from {@link #lookup}), one call. */
  static List<DomainStats> of(List<Pointer> domains, int stats, int flags)
      throws StatsCallException {
    if (domains.isEmpty()) {
      return List.of();
    }
    Memory array = new Memory((long) Native.POINTER_SIZE * (domains.size() + 1));
    for (int i = 0; i < domains.size(); i++) {
      array.setPointer((long) i * Native.POINTER_SIZE, domains.get(i));
    }
    array.setPointer((long) domains.size() * Native.POINTER_SIZE, null); // NULL-terminated
    PointerByReference out = new PointerByReference();
    check(LIBVIRT.virDomainListGetStats(array, stats, out, flags));
    return records(out.getValue());
  }

  /** A domain handle (to free with {@link #free}), or null when no such domain exists. */
  static @Nullable Pointer lookup(Connection conn, String uuid) {
    return LIBVIRT.virDomainLookupByUUIDString(conn.handle(), uuid);
  }

  static void free(Pointer domain) {
    LIBVIRT.virDomainFree(domain);
  }

  private static void check(int rc) throws StatsCallException {
    if (rc < 0) {
      String message = LIBVIRT.virGetLastErrorMessage();
      throw new StatsCallException(message == null ? "libvirt call failed" : message);
    }
  }

  /** A failed stats call, with libvirt's last error message. */
  static final class StatsCallException extends Exception {
    private static final long serialVersionUID = 1L;

    StatsCallException(String message) {
      super(message);
    }
  }

  /** Copies a NULL-terminated {@code virDomainStatsRecordPtr*} and frees it. */
  private static List<DomainStats> records(@Nullable Pointer list) {
    if (list == null) {
      return List.of();
    }
    List<DomainStats> out = new ArrayList<>();
    try {
      for (int i = 0; ; i++) {
        Pointer record = list.getPointer((long) i * Native.POINTER_SIZE);
        if (record == null) {
          break;
        }
        // struct _virDomainStatsRecord { virDomainPtr dom; virTypedParameterPtr params; int n; }
        Pointer dom = record.getPointer(0);
        Pointer params = record.getPointer(Native.POINTER_SIZE);
        int n = record.getInt(2L * Native.POINTER_SIZE);
        byte[] uuid = new byte[37]; // VIR_UUID_STRING_BUFLEN
        String name = LIBVIRT.virDomainGetName(dom);
        if (LIBVIRT.virDomainGetUUIDString(dom, uuid) < 0) {
          continue;
        }
        out.add(new DomainStats(cString(uuid), name == null ? "" : name, readParams(params, n)));
      }
    } finally {
      LIBVIRT.virDomainStatsRecordListFree(list);
    }
    return out;
  }

  /**
   * Reads {@code n} consecutive {@code virTypedParameter}s: numbers as {@link Long} (unsigned ones
   * never exceed 2^63 in practice), doubles as {@link Double}, booleans as {@link Boolean}, strings
   * as {@link String}. A type this code does not know is skipped, not guessed.
   */
  static Map<String, Object> readParams(Pointer params, int n) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      long at = (long) i * PARAM_SIZE;
      String field = cString(params.getByteArray(at, FIELD_LENGTH));
      int type = params.getInt(at + TYPE_OFFSET);
      long v = at + VALUE_OFFSET;
      Object value =
          switch (type) {
            case TYPE_INT -> (long) params.getInt(v);
            case TYPE_UINT -> Integer.toUnsignedLong(params.getInt(v));
            case TYPE_LLONG, TYPE_ULLONG -> params.getLong(v);
            case TYPE_DOUBLE -> params.getDouble(v);
            case TYPE_BOOLEAN -> params.getByte(v) != 0;
            case TYPE_STRING -> {
              Pointer s = params.getPointer(v);
              yield s == null ? null : s.getString(0, StandardCharsets.UTF_8.name());
            }
            default -> null;
          };
      if (value != null) {
        out.put(field, value);
      }
    }
    return out;
  }

  private static String cString(byte[] bytes) {
    int end = 0;
    while (end < bytes.length && bytes[end] != 0) {
      end++;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }
}
