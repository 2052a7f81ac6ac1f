package org.qmpsentinel.qmp;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.qmpsentinel.qmp.internal.Replies;
import org.qmpsentinel.qmp.internal.protocol.Messages;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Typed commands the agent uses. Each returns an immutable {@link QmpCommand} whose reply decoder
 * maps QMP's JSON to a record. See {@code qapi/*.json} in QEMU for the wire forms.
 */
public final class QmpCommands {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectNode VCPU_KVM_STATS = vcpuKvmStatsArguments();

  private QmpCommands() {}

  private static ObjectNode vcpuKvmStatsArguments() {
    ObjectNode arguments = NODES.objectNode().put("target", "vcpu");
    arguments.putArray("providers").addObject().put("provider", "kvm");
    return arguments;
  }

  /** {@code {"target":"vcpu","providers":[{"provider":"kvm","names":[...]}]}}. */
  private static ObjectNode vcpuKvmStatsArguments(List<String> names) {
    ObjectNode arguments = NODES.objectNode().put("target", "vcpu");
    ArrayNode wanted =
        arguments.putArray("providers").addObject().put("provider", "kvm").putArray("names");
    names.forEach(name -> wanted.add(Objects.requireNonNull(name, "names must not contain null")));
    return arguments;
  }

  public static QmpCommand<QmpVersion> queryVersion() {
    return new QmpCommand<>("query-version", null, false, Messages::parseVersion);
  }

  public static QmpCommand<StatusInfo> queryStatus() {
    return new QmpCommand<>("query-status", null, false, Replies::status);
  }

  /** The VM's {@code -name}; empty when none was given. */
  public static QmpCommand<Optional<String>> queryName() {
    return new QmpCommand<>("query-name", null, false, Replies::name);
  }

  /** The VM's UUID; QEMU reports all zeros when none was given. */
  public static QmpCommand<String> queryUuid() {
    return new QmpCommand<>("query-uuid", null, false, Replies::uuid);
  }

  public static QmpCommand<KvmInfo> queryKvm() {
    return new QmpCommand<>("query-kvm", null, false, Replies::kvm);
  }

  public static QmpCommand<List<CpuInfoFast>> queryCpusFast() {
    return new QmpCommand<>("query-cpus-fast", null, false, Replies::cpusFast);
  }

  /**
   * {@code query-stats} with target {@code vcpu} and provider {@code kvm} (QEMU >= 7.1). It
   * interrupts each vCPU's KVM_RUN to read its stats fd but does not synchronize register state.
   */
  public static QmpCommand<List<VcpuStats>> queryVcpuStats() {
    return new QmpCommand<>("query-stats", VCPU_KVM_STATS, false, Replies::vcpuStats);
  }

  /**
   * {@link #queryVcpuStats()} restricted to the named statistics (StatsRequest's optional {@code
   * names}, as in QEMU 7.2's schema), e.g. {@code List.of("exits", "halt_exits")}: QEMU then sends
   * only those, which makes the reply about 14 times smaller (315 instead of 4,329 bytes for two
   * vCPUs of QEMU 7.2). Names QEMU does not know are absent from the reply ({@link
   * VcpuStats#counter} gives -1).
   *
   * @param names the statistics wanted, as {@code query-stats-schemas} names them
   */
  public static QmpCommand<List<VcpuStats>> queryVcpuStats(List<String> names) {
    return new QmpCommand<>("query-stats", vcpuKvmStatsArguments(names), false, Replies::vcpuStats);
  }

  public static QmpCommand<Set<String>> queryCommands() {
    return new QmpCommand<>("query-commands", null, false, Replies::commandNames);
  }

  public static QmpCommand<JsonNode> queryQmpSchema() {
    return new QmpCommand<>("query-qmp-schema", null, false, r -> r);
  }

  /**
   * HMP passthrough. Many HMP commands synchronize vCPU state: gate them through the intrusion
   * policy. {@code cpuIndex} selects the monitor's current CPU for this command.
   */
  public static QmpCommand<String> humanMonitorCommand(String commandLine, OptionalInt cpuIndex) {
    ObjectNode arguments = NODES.objectNode().put("command-line", commandLine);
    cpuIndex.ifPresent(i -> arguments.put("cpu-index", i));
    return new QmpCommand<>("human-monitor-command", arguments, false, Replies::string);
  }

  @SuppressWarnings("NullAway") // a Void command completes with null, like CompletableFuture<Void>
  private static QmpCommand<Void> noReply(String name) {
    return new QmpCommand<>(name, null, false, r -> null);
  }

  public static QmpCommand<Void> cont() {
    return noReply("cont");
  }

  public static QmpCommand<Void> stop() {
    return noReply("stop");
  }

  public static QmpCommand<Void> systemReset() {
    return noReply("system_reset");
  }

  public static QmpCommand<Void> injectNmi() {
    return noReply("inject-nmi");
  }

  public static QmpCommand<Void> quit() {
    return noReply("quit");
  }
}
