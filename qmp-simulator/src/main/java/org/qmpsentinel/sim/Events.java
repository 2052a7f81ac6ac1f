package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import tools.jackson.databind.node.ObjectNode;

/** RESET, STOP and RESUME event lines as QEMU 7.2 sends them, stamped with the current time. */
final class Events {
  private final Template reset;
  private final Template stop;
  private final Template resume;

  Events(Captures c) {
    ObjectNode r = stamped(c, "event-RESET");
    ObjectNode data = (ObjectNode) r.get("data");
    data.set("guest", QemuJson.hole("guest"));
    data.set("reason", QemuJson.hole("reason"));
    reset = Captures.template(r);
    stop = Captures.template(stamped(c, "event-STOP"));
    resume = Captures.template(stamped(c, "event-RESUME"));
  }

  private static ObjectNode stamped(Captures c, String exchange) {
    ObjectNode e = c.tree(exchange);
    ObjectNode timestamp = (ObjectNode) e.get("timestamp");
    timestamp.set("seconds", QemuJson.hole("seconds"));
    timestamp.set("microseconds", QemuJson.hole("microseconds"));
    return e;
  }

  /**
   * RESET: {@code guest} true with reason {@code guest-reset} for a reboot from inside the guest,
   * false with {@code host-qmp-system-reset} for a system_reset command.
   */
  void reset(ByteBuf out, boolean guest, long epochMicros) {
    reset.render(
        out,
        (buf, hole) -> {
          switch (reset.holeName(hole)) {
            case "guest" -> QemuJson.writeAscii(buf, guest ? "true" : "false");
            case "reason" -> QemuJson.string(buf, guest ? "guest-reset" : "host-qmp-system-reset");
            default -> stamp(buf, reset.holeName(hole), epochMicros);
          }
        });
  }

  void stop(ByteBuf out, long epochMicros) {
    stop.render(out, (buf, hole) -> stamp(buf, stop.holeName(hole), epochMicros));
  }

  void resume(ByteBuf out, long epochMicros) {
    resume.render(out, (buf, hole) -> stamp(buf, resume.holeName(hole), epochMicros));
  }

  private static void stamp(ByteBuf buf, String hole, long epochMicros) {
    QemuJson.number(
        buf, hole.equals("seconds") ? epochMicros / 1_000_000 : epochMicros % 1_000_000);
  }
}
