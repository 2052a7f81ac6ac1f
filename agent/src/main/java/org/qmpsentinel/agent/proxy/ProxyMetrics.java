package org.qmpsentinel.agent.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The proxy's meters: clients per VM, commands by command, outcome and reason, and how long
 * deferred commands waited. The {@code command} label is the client's own text, so it is bounded: a
 * name that does not look like a QMP command, or one more than {@link #MAX_COMMAND_LABELS} distinct
 * names, counts as {@code other}.
 */
public final class ProxyMetrics {
  static final int MAX_COMMAND_LABELS = 200;
  private static final Pattern COMMAND = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  /** What became of a command. */
  enum Outcome {
    FORWARDED,
    DENIED,
    DEFERRED,
    ANSWERED_LOCALLY;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final Set<String> commandLabels = ConcurrentHashMap.newKeySet();
  // One lookup per forwarded command instead of a builder and a registry lookup: this is on every
  // command's path. Bounded like the labels it is keyed by.
  private final Map<String, Counter> commands = new ConcurrentHashMap<>();
  private final Timer deferralWait;

  public ProxyMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.deferralWait =
        Timer.builder("qmp.sentinel.proxy.deferral")
            .description("how long a deferred proxy command was held (until forwarded or denied)")
            .serviceLevelObjectives(
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                Duration.ofSeconds(120))
            .register(registry);
  }

  void command(String command, Outcome outcome, String reason) {
    String label = label(command);
    commands
        .computeIfAbsent(
            label + ' ' + outcome.label() + ' ' + reason,
            k ->
                Counter.builder("qmp.sentinel.proxy.commands")
                    .description("commands proxy clients sent, by command, outcome and reason")
                    .tag("command", label)
                    .tag("outcome", outcome.label())
                    .tag("reason", reason)
                    .register(registry))
        .increment();
  }

  void deferralEnded(Duration waited) {
    deferralWait.record(waited);
  }

  void disconnected(String reason) {
    Counter.builder("qmp.sentinel.proxy.client.disconnects")
        .description("proxy clients the proxy disconnected, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** Registers the VM's client gauge; returns what removes it. */
  Runnable clientsGauge(String vm, Supplier<Number> clients) {
    Gauge gauge =
        Gauge.builder("qmp.sentinel.proxy.clients", clients)
            .description("clients connected to the VM's proxy socket")
            .tag("vm", vm)
            .strongReference(true)
            .register(registry);
    return () -> registry.remove(gauge);
  }

  private String label(String command) {
    if (!COMMAND.matcher(command).matches()) {
      return "other";
    }
    if (commandLabels.contains(command)) {
      return command;
    }
    if (commandLabels.size() >= MAX_COMMAND_LABELS) {
      return "other";
    }
    commandLabels.add(command);
    return command;
  }
}
