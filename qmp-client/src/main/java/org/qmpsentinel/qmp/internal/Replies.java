package org.qmpsentinel.qmp.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qmpsentinel.qmp.CpuInfoFast;
import org.qmpsentinel.qmp.KvmInfo;
import org.qmpsentinel.qmp.RunState;
import org.qmpsentinel.qmp.StatusInfo;
import org.qmpsentinel.qmp.VcpuStats;
import tools.jackson.databind.JsonNode;

/** Decoders from QMP reply JSON ({@code qapi/*.json}) to the public records. */
public final class Replies {
  private Replies() {}

  public static StatusInfo status(JsonNode r) {
    String status = r.path("status").asString("");
    return new StatusInfo(r.path("running").asBoolean(false), RunState.fromQmp(status), status);
  }

  public static Optional<String> name(JsonNode r) {
    JsonNode name = r.get("name");
    return name == null || name.isNull() ? Optional.empty() : Optional.of(name.asString());
  }

  public static String uuid(JsonNode r) {
    return r.path("UUID").asString("");
  }

  public static KvmInfo kvm(JsonNode r) {
    return new KvmInfo(r.path("enabled").asBoolean(false), r.path("present").asBoolean(false));
  }

  public static List<CpuInfoFast> cpusFast(JsonNode r) {
    List<CpuInfoFast> cpus = new ArrayList<>();
    for (JsonNode c : r) {
      cpus.add(
          new CpuInfoFast(
              c.path("cpu-index").asInt(),
              c.path("qom-path").asString(""),
              c.path("thread-id").asLong(-1),
              c.path("target").asString("")));
    }
    return List.copyOf(cpus);
  }

  /** Keeps scalar integer stats; histograms (arrays) and booleans are not counters. */
  public static List<VcpuStats> vcpuStats(JsonNode r) {
    List<VcpuStats> result = new ArrayList<>();
    for (JsonNode entry : r) {
      if (!"kvm".equals(entry.path("provider").asString(""))) {
        continue;
      }
      Map<String, Long> counters = new HashMap<>();
      for (JsonNode stat : entry.path("stats")) {
        JsonNode value = stat.get("value");
        if (value != null && value.isIntegralNumber()) {
          counters.put(stat.path("name").asString(""), toUnsignedLong(value));
        }
      }
      result.add(new VcpuStats(entry.path("qom-path").asString(""), counters));
    }
    return List.copyOf(result);
  }

  /** uint64 counters above Long.MAX_VALUE keep their low 64 bits (they wrap like the kernel's). */
  private static long toUnsignedLong(JsonNode value) {
    if (value.canConvertToLong()) {
      return value.asLong();
    }
    BigInteger big = value.bigIntegerValue();
    return big.longValue();
  }

  public static Set<String> commandNames(JsonNode r) {
    Set<String> names = new LinkedHashSet<>();
    r.forEach(c -> names.add(c.path("name").asString("")));
    return Set.copyOf(names);
  }

  public static String string(JsonNode r) {
    return r == null || r.isNull() ? "" : r.asString();
  }
}
