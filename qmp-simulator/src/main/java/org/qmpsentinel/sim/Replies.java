package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every line a simulated monitor sends, as templates made from the captures: fixed replies keep
 * QEMU's bytes, per-VM values (name, uuid, thread ids, counters, the echoed id) fill holes.
 */
final class Replies {
  private final Template greeting;
  private final Template empty;
  private final Template name;
  private final Template uuid;
  private final Template commands;
  private final Template kvm;
  private final Template version;
  private final Template statusRunning;
  private final Template statusPaused;
  private final Template cpusFast;
  private final Template cpuElement;
  private final Template stringReturn;
  private final Template error;
  private final RegisterDumps registers;
  private final StatsReply stats;
  private final Events events;
  private final String notFoundFormat;
  final QmpError beforeNegotiation;
  final QmpError negotiatedAgain;
  final QmpError badCpuIndex;

  /** An error reply's class and description, as QEMU words them. */
  record QmpError(String errorClass, String desc) {}

  Replies(Captures c) {
    greeting = Captures.template(c.tree("greeting"));
    empty = Captures.template(c.reply("qmp_capabilities"));
    name = withReturnMember(c, "query-name", "name");
    uuid = withReturnMember(c, "query-uuid", "UUID");
    commands = Captures.template(c.reply("query-commands"));
    kvm = Captures.template(c.reply("query-kvm"));
    version = Captures.template(c.reply("query-version"));
    statusRunning = Captures.template(c.reply("query-status-running"));
    statusPaused = Captures.template(c.reply("query-status-paused"));
    ObjectNode cpus = c.reply("query-cpus-fast");
    ObjectNode cpu0 = (ObjectNode) cpus.get("return").get(0).deepCopy();
    cpu0.set("thread-id", QemuJson.hole("tid"));
    ((ObjectNode) cpu0.get("props")).set("core-id", QemuJson.hole("core"));
    cpu0.set("qom-path", QemuJson.hole("qom"));
    cpu0.set("cpu-index", QemuJson.hole("cpu"));
    cpuElement = Template.parse(QemuJson.write(cpu0));
    cpus.set("return", QemuJson.hole("elements"));
    cpusFast = Captures.template(cpus);
    ObjectNode string = c.reply("info-registers-cpu0-reset-vector");
    string.set("return", QemuJson.hole("text"));
    stringReturn = Captures.template(string);
    ObjectNode err = c.reply("unknown-command");
    String notFound = err.get("error").get("desc").stringValue();
    notFoundFormat = notFound.replace("no-such-command", "%s");
    ((ObjectNode) err.get("error")).set("class", QemuJson.hole("class"));
    ((ObjectNode) err.get("error")).set("desc", QemuJson.hole("desc"));
    error = Captures.template(err);
    beforeNegotiation = errorOf(c, "error-before-negotiation");
    negotiatedAgain = errorOf(c, "error-negotiated-again");
    badCpuIndex = errorOf(c, "error-bad-cpu-index");
    registers = new RegisterDumps(c);
    stats = new StatsReply(c);
    events = new Events(c);
  }

  private static Template withReturnMember(Captures c, String exchange, String member) {
    ObjectNode reply = c.reply(exchange);
    ((ObjectNode) reply.get("return")).set(member, QemuJson.hole("value"));
    return Captures.template(reply);
  }

  private static QmpError errorOf(Captures c, String exchange) {
    JsonNode e = c.tree(exchange).get("error");
    return new QmpError(e.get("class").stringValue(), e.get("desc").stringValue());
  }

  Events events() {
    return events;
  }

  void greeting(ByteBuf out) {
    greeting.render(out);
  }

  void empty(ByteBuf out, @Nullable JsonNode id) {
    withId(empty, out, id);
  }

  void name(ByteBuf out, @Nullable JsonNode id, SimulatedVm vm) {
    withString(name, out, id, vm.name());
  }

  void uuid(ByteBuf out, @Nullable JsonNode id, SimulatedVm vm) {
    withString(uuid, out, id, vm.uuid());
  }

  void commands(ByteBuf out, @Nullable JsonNode id) {
    withId(commands, out, id);
  }

  void kvm(ByteBuf out, @Nullable JsonNode id) {
    withId(kvm, out, id);
  }

  void version(ByteBuf out, @Nullable JsonNode id) {
    withId(version, out, id);
  }

  void status(ByteBuf out, @Nullable JsonNode id, boolean running) {
    withId(running ? statusRunning : statusPaused, out, id);
  }

  void cpusFast(ByteBuf out, @Nullable JsonNode id, SimulatedVm vm) {
    cpusFast.render(
        out,
        (buf, hole) -> {
          if (!fillId(cpusFast, buf, hole, id)) {
            buf.writeByte('[');
            for (int cpu = 0; cpu < vm.vcpus(); cpu++) {
              if (cpu > 0) {
                buf.writeByte(',').writeByte(' ');
              }
              int index = cpu;
              cpuElement.render(
                  buf,
                  (b, h) -> {
                    switch (cpuElement.holeName(h)) {
                      case "tid" -> QemuJson.number(b, vm.threadId(index));
                      case "qom" -> QemuJson.string(b, qomPath(index));
                      default -> QemuJson.number(b, index); // core-id and cpu-index
                    }
                  });
            }
            buf.writeByte(']');
          }
        });
  }

  void stats(
      ByteBuf out, @Nullable JsonNode id, SimulatedVm vm, StatsFilter filter, long nowNanos) {
    stats.render(out, id, vm, filter, nowNanos);
  }

  /** {@code info registers} of one vCPU: the reset-vector dump while it sits there. */
  void registers(ByteBuf out, @Nullable JsonNode id, int cpu, boolean atResetVector) {
    string(out, id, registers.dump(cpu, atResetVector));
  }

  /** A {@code human-monitor-command} reply: its text output. */
  void string(ByteBuf out, @Nullable JsonNode id, String text) {
    withString(stringReturn, out, id, text);
  }

  void commandNotFound(ByteBuf out, @Nullable JsonNode id, String command) {
    error(out, id, new QmpError("CommandNotFound", String.format(notFoundFormat, command)));
  }

  void error(ByteBuf out, @Nullable JsonNode id, QmpError e) {
    error.render(
        out,
        (buf, hole) -> {
          if (!fillId(error, buf, hole, id)) {
            QemuJson.string(buf, error.holeName(hole).equals("class") ? e.errorClass() : e.desc());
          }
        });
  }

  /** QOM paths as QEMU 7.2 numbers the CPUs of -smp N: device[0], then device[2] on. */
  static String qomPath(int cpu) {
    return "/machine/unattached/device[" + (cpu == 0 ? 0 : cpu + 1) + "]";
  }

  private static void withId(Template t, ByteBuf out, @Nullable JsonNode id) {
    t.render(out, (buf, hole) -> fillId(t, buf, hole, id));
  }

  private static void withString(Template t, ByteBuf out, @Nullable JsonNode id, String value) {
    t.render(
        out,
        (buf, hole) -> {
          if (!fillId(t, buf, hole, id)) {
            QemuJson.string(buf, value);
          }
        });
  }

  /**
   * Fills the id holes: {@code , "id": X} after the reply's other member, or {@code "id": X, }
   * before it (QEMU's order depends on its hash table); nothing when the command had no id.
   */
  static boolean fillId(Template t, ByteBuf buf, int hole, @Nullable JsonNode id) {
    String name = t.holeName(hole);
    boolean first = name.equals("idfirst");
    if (!first && !name.equals("id")) {
      return false;
    }
    if (id != null) {
      QemuJson.writeAscii(buf, first ? "\"id\": " : ", \"id\": ");
      QemuJson.value(buf, id);
      if (first) {
        QemuJson.writeAscii(buf, ", ");
      }
    }
    return true;
  }
}
