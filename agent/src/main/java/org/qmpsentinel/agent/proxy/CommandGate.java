package org.qmpsentinel.agent.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionLevel;
import org.qmpsentinel.hang.IntrusionPolicy;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one client message and says what happens to it before any VM state is consulted: answered
 * by the proxy (malformed input, capabilities negotiation, a command on the deny list), forwarded
 * at once (the policy classifies it as harmless), or first admitted by the VM's intrusion policy.
 * Stateless apart from its configuration; any thread.
 */
final class CommandGate {

  /** What the proxy does with one message. */
  sealed interface Verdict {
    /** The command's name as the client wrote it ("" when it named none). */
    String command();
  }

  /** The proxy answers itself; {@code reason} is the metric label. */
  record Answer(String command, ObjectNode reply, ProxyMetrics.Outcome outcome, String reason)
      implements Verdict {}

  /** A valid {@code qmp_capabilities} during negotiation. */
  record Negotiate(String command, boolean oob) implements Verdict {}

  /** Harmless by the policy's table: forward without asking the VM. */
  record Forward(String command, boolean oob) implements Verdict {}

  /** Kicks or synchronizes vCPUs: the VM's policy admits it first. */
  record Admit(String command, boolean oob, Intrusion intrusion) implements Verdict {}

  private final IntrusionPolicy policy;
  private final Set<String> denyCommands;

  CommandGate(IntrusionPolicy policy, List<String> denyCommands) {
    this.policy = policy;
    this.denyCommands =
        denyCommands.stream()
            .map(c -> c.strip().toLowerCase(Locale.ROOT))
            .collect(Collectors.toSet());
  }

  /**
   * @param negotiated the client completed {@code qmp_capabilities}
   * @param clientOob the client enabled {@code oob}
   * @param upstreamOob the agent's session to QEMU has {@code oob} enabled
   */
  Verdict judge(ObjectNode message, boolean negotiated, boolean clientOob, boolean upstreamOob) {
    JsonNode execute = message.get("execute");
    JsonNode execOob = message.get("exec-oob");
    if (execute != null && execOob != null) {
      return malformed("", "QMP input must not have both 'execute' and 'exec-oob'");
    }
    JsonNode nameNode = execute != null ? execute : execOob;
    if (nameNode == null) {
      return malformed("", "QMP input lacks member 'execute'");
    }
    boolean oob = execOob != null;
    if (!nameNode.isString()) {
      return malformed(
          "", "QMP input member '" + (oob ? "exec-oob" : "execute") + "' must be a string");
    }
    String name = nameNode.asString();
    JsonNode arguments = message.get("arguments");
    if (arguments != null && !arguments.isObject()) {
      return malformed(name, "QMP input member 'arguments' must be an object");
    }
    if (!negotiated) {
      if (!name.equals("qmp_capabilities")) {
        return answer(
            name,
            QmpReplies.error(
                "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'"),
            "negotiation");
      }
      return negotiate(name, arguments, upstreamOob);
    }
    if (name.equals("qmp_capabilities")) {
      // Never a second negotiation: QEMU's own answer, and nothing reaches the agent's session.
      return answer(
          name,
          QmpReplies.error(
              "CommandNotFound", "Capabilities negotiation is already complete, command ignored"),
          "negotiation");
    }
    if (oob && !clientOob) {
      // The agent's session has OOB; a client that did not negotiate it must not get it.
      return malformed(name, "QMP input member 'exec-oob' requires the 'oob' capability");
    }
    Map<String, Object> args = arguments == null ? Map.of() : flatten((ObjectNode) arguments);
    if (denied(name, args)) {
      return new Answer(
          name,
          QmpReplies.genericError(
              "qmp-sentinel proxy: '"
                  + name
                  + "' is never forwarded by this proxy (sentinel.proxy.deny-commands)"),
          ProxyMetrics.Outcome.DENIED,
          "deny_list");
    }
    Intrusion intrusion = policy.classifyQmp(name, args);
    return intrusion.level() == IntrusionLevel.NON_INTRUSIVE
        ? new Forward(name, oob)
        : new Admit(name, oob, intrusion);
  }

  private Verdict negotiate(String name, JsonNode arguments, boolean upstreamOob) {
    boolean oob = false;
    JsonNode enable = arguments == null ? null : arguments.get("enable");
    if (enable != null) {
      if (!enable.isArray()) {
        return malformed(name, "Invalid parameter type for 'enable', expected: array");
      }
      for (JsonNode capability : enable) {
        if (!capability.isString() || !capability.asString().equals("oob")) {
          return malformed(
              name, "Parameter 'enable' does not accept value '" + capability.asString("") + "'");
        }
        if (!upstreamOob) {
          return malformed(name, "Capability 'oob' not available");
        }
        oob = true;
      }
    }
    return new Negotiate(name, oob);
  }

  private boolean denied(String name, Map<String, Object> args) {
    if (denyCommands.contains(name.toLowerCase(Locale.ROOT))) {
      return true;
    }
    if (name.equals("human-monitor-command")) {
      String line = String.valueOf(args.getOrDefault("command-line", "")).strip();
      String first = line.isEmpty() ? "" : line.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
      return denyCommands.contains(first);
    }
    return false;
  }

  private static Answer malformed(String name, String desc) {
    return new Answer(
        name, QmpReplies.genericError(desc), ProxyMetrics.Outcome.ANSWERED_LOCALLY, "malformed");
  }

  private static Answer answer(String name, ObjectNode reply, String reason) {
    return new Answer(name, reply, ProxyMetrics.Outcome.ANSWERED_LOCALLY, reason);
  }

  /** The top-level arguments as the policy reads them: strings, numbers, booleans, else text. */
  private static Map<String, Object> flatten(ObjectNode arguments) {
    Map<String, Object> args = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : arguments.properties()) {
      JsonNode v = e.getValue();
      Object value;
      if (v.isString()) {
        value = v.asString();
      } else if (v.isNumber()) {
        value = v.numberValue();
      } else if (v.isBoolean()) {
        value = v.asBoolean();
      } else {
        value = v.toString();
      }
      args.put(e.getKey(), value);
    }
    return args;
  }
}
