package org.qmpsentinel.agent.alert;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Alerting's counters. Counted here and exposed as function counters, because Boot binds meter
 * binders after every bean started: a spool failure found at start-up (read-only disk) would
 * otherwise be counted into a registry nobody scrapes.
 */
final class AlertMeters {
  static final String DELIVERIES = "qmp.sentinel.alert.deliveries";
  static final String DEAD_LETTERS = "qmp.sentinel.alert.dead.letters";
  static final String SPOOL_FAILURES = "qmp.sentinel.alert.spool.failures";

  private static final Map<String, String> DESCRIPTIONS =
      Map.of(
          DELIVERIES, "alert delivery attempts by outcome (delivered, retry, rejected)",
          DEAD_LETTERS, "notifications a webhook rejected with a 4xx, moved to <spool>/dead/",
          SPOOL_FAILURES, "spool writes that failed, by operation and reason");

  private record Key(String name, List<String> tags) {}

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();
  private @Nullable MeterRegistry registry;

  /** Registers every counter (also those counted before) and the depth gauge. */
  synchronized void bindTo(MeterRegistry registry, Supplier<Number> depth) {
    this.registry = registry;
    Gauge.builder("qmp.sentinel.alert.spool.depth", depth)
        .description("alert notifications waiting for delivery")
        .register(registry);
    counts.forEach((k, v) -> register(registry, k, v));
  }

  /**
   * A webhook's delivery and dead-letter counters, at 0 until something happens: a rule on {@code
   * increase()} sees the first delivery, and the series exist for dashboards from the start.
   */
  void declareWebhook(String webhook) {
    for (String outcome : List.of("delivered", "retry", "rejected")) {
      counter(DELIVERIES, "webhook", webhook, "outcome", outcome);
    }
    counter(DEAD_LETTERS, "webhook", webhook);
  }

  void increment(String name, String... tags) {
    counter(name, tags).increment();
  }

  private LongAdder counter(String name, String... tags) {
    Key key = new Key(name, List.of(tags));
    LongAdder count = counts.get(key);
    if (count == null) {
      synchronized (this) {
        count = counts.computeIfAbsent(key, k -> new LongAdder());
        if (registry != null) {
          register(registry, key, count);
        }
      }
    }
    return count;
  }

  /** The count so far (tests and health details). */
  long count(String name, String... tags) {
    LongAdder count = counts.get(new Key(name, List.of(tags)));
    return count == null ? 0 : count.sum();
  }

  private static void register(MeterRegistry registry, Key key, LongAdder count) {
    FunctionCounter.builder(key.name(), count, LongAdder::sum)
        .description(DESCRIPTIONS.get(key.name()))
        .tags(key.tags().toArray(String[]::new))
        .register(registry);
  }
}
