package org.qmpsentinel.hang.internal.policy;

import java.util.Map;
import java.util.OptionalInt;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.IntrusionPolicy;

/**
 * QEMU 6.x and older (Ubuntu 22.04 ships 6.2). <b>Not read from 6.2's source</b>: no 6.x source
 * package is served by the machine's Debian mirror (bookworm has 7.2, trixie 10.0, sid 10.2/11.1),
 * so this table is mapped conservatively from 7.2's:
 *
 * <ul>
 *   <li>Every entry of {@link Qemu72IntrusionPolicy}, whose paths ({@code mon_get_cpu} → {@code
 *       cpu_synchronize_state}, {@code cpu_dump_state}, {@code cpu_memory_rw_debug}, {@code
 *       cpu_synchronize_all_states} in dump) are older than 7.2; where 6.2 differed it could only
 *       lack a command, which QEMU then rejects without touching a vCPU.
 *   <li>{@code query-stats} and HMP {@code info stats} do not exist before 7.1 (7.2's {@code
 *       qapi/stats.json}: "Since: 7.1"), so they are unknown here: SYNCS_ALL_VCPUS, never sent (the
 *       agent only polls {@code query-stats} when {@code query-commands} lists it).
 * </ul>
 */
public final class Qemu62IntrusionPolicy implements IntrusionPolicy {
  private final IntrusionPolicy base = new Qemu72IntrusionPolicy();

  @Override
  public String name() {
    return "qemu-6.x";
  }

  @Override
  public Intrusion classifyQmp(String command, Map<String, Object> arguments) {
    if (command.trim().equals("query-stats")) {
      return unknown(command.trim());
    }
    if (command.trim().equals("human-monitor-command")) {
      Object line = arguments.get("command-line");
      return classifyHmp(
          line == null ? "" : line.toString(), Qemu72IntrusionPolicy.cpuIndex(arguments));
    }
    return base.classifyQmp(command, arguments);
  }

  @Override
  public Intrusion classifyHmp(String commandLine, OptionalInt cpuIndex) {
    HmpWords w = HmpWords.of(commandLine);
    if (w.infoTopic().equals("stats")) {
      return unknown(w.display());
    }
    return base.classifyHmp(commandLine, cpuIndex);
  }

  private static Intrusion unknown(String display) {
    return new Intrusion(
        display,
        IntrusionLevel.SYNCS_ALL_VCPUS,
        OptionalInt.empty(),
        "not in QEMU < 7.1 (qapi/stats.json: Since 7.1): unknown, assumed to sync all");
  }
}
