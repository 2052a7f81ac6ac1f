package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code query-stats} target vcpu, from the capture of a running KVM boot: the full list of KVM's
 * vCPU stats (~45, histograms included) per vCPU, the vCPUs in QEMU's order (last first), with
 * {@code exits} and {@code halt_exits} from the VM's counters and the other stats as captured. The
 * {@code names} and {@code vcpus} filters are honoured like QEMU does: stats keep their order, and
 * a vCPU none of whose stats match is left out. Under TCG the list is always empty.
 */
final class StatsReply {
  private static final String EXITS = "exits";
  private static final String HALT_EXITS = "halt_exits";

  /** One stat of the element template; {@code bytes} is null for the two counters we compute. */
  private record Stat(String name, byte @Nullable [] bytes) {}

  private final Template reply;
  private final @Nullable Template element;
  private final List<Stat> stats = new ArrayList<>();
  private final byte[] exitsPrefix;
  private final byte[] haltExitsPrefix;

  StatsReply(Captures c) {
    ObjectNode full = c.reply("query-stats-vcpu");
    JsonNode vcpus = full.get("return");
    full.set("return", QemuJson.hole("elements"));
    reply = Captures.template(full);
    exitsPrefix = ascii("{\"name\": \"exits\", \"value\": ");
    haltExitsPrefix = ascii("{\"name\": \"halt_exits\", \"value\": ");
    if (vcpus.isEmpty()) {
      element = null; // TCG: no KVM stats
      return;
    }
    ObjectNode first = (ObjectNode) vcpus.get(0).deepCopy();
    for (JsonNode stat : first.get("stats")) {
      String name = stat.get("name").stringValue();
      boolean computed = name.equals(EXITS) || name.equals(HALT_EXITS);
      stats.add(new Stat(name, computed ? null : ascii(QemuJson.write(stat))));
    }
    first.set("stats", QemuJson.hole("stats"));
    first.set("qom-path", QemuJson.hole("qom"));
    element = Template.parse(QemuJson.write(first));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  void render(
      ByteBuf out, @Nullable JsonNode id, SimulatedVm vm, StatsFilter filter, long nowNanos) {
    long[] exits = new long[vm.vcpus()];
    long[] halts = new long[vm.vcpus()];
    vm.counters(nowNanos, exits, halts);
    reply.render(
        out,
        (buf, hole) -> {
          if (!Replies.fillId(reply, buf, hole, id)) {
            buf.writeByte('[');
            boolean firstVcpu = true;
            for (int cpu = vm.vcpus() - 1; element != null && cpu >= 0; cpu--) {
              String qom = Replies.qomPath(cpu);
              if (!filter.wantsVcpu(qom) || !anyStat(filter)) {
                continue;
              }
              if (!firstVcpu) {
                buf.writeByte(',').writeByte(' ');
              }
              firstVcpu = false;
              int index = cpu;
              element.render(
                  buf,
                  (b, h) -> {
                    if (element.holeName(h).equals("qom")) {
                      QemuJson.string(b, qom);
                    } else {
                      writeStats(b, filter, exits[index], halts[index]);
                    }
                  });
            }
            buf.writeByte(']');
          }
        });
  }

  private boolean anyStat(StatsFilter filter) {
    for (Stat s : stats) {
      if (filter.wantsStat(s.name())) {
        return true;
      }
    }
    return false;
  }

  private void writeStats(ByteBuf b, StatsFilter filter, long exits, long halts) {
    b.writeByte('[');
    boolean first = true;
    for (Stat s : stats) {
      if (!filter.wantsStat(s.name())) {
        continue;
      }
      if (!first) {
        b.writeByte(',').writeByte(' ');
      }
      first = false;
      byte[] bytes = s.bytes();
      if (bytes != null) {
        b.writeBytes(bytes);
      } else {
        boolean isExits = s.name().equals(EXITS);
        b.writeBytes(isExits ? exitsPrefix : haltExitsPrefix);
        QemuJson.number(b, isExits ? exits : halts);
        b.writeByte('}');
      }
    }
    b.writeByte(']');
  }
}
