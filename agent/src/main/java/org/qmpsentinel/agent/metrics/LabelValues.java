package org.qmpsentinel.agent.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one casing of enumerated label values: lower_snake ({@code startup}, {@code
 * ap_stuck_in_reset}, {@code guest_panicked}, {@code query_status}). QEMU's dashed names (run
 * states, QMP commands) become underscored. Names that identify something outside the agent (a VM,
 * a webhook, a UUID, a version) are exported verbatim and do not come through here.
 */
final class LabelValues {
  /** QEMU's run states and QMP command names: a few dozen values, converted once each. */
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  /** Above this many distinct inputs the cache stops growing (a misbehaving QEMU's strings). */
  private static final int CACHE_LIMIT = 1_000;

  private LabelValues() {}

  /** An enum constant's label value: {@code AP_STUCK_IN_RESET} → {@code ap_stuck_in_reset}. */
  static String of(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** A QEMU name's label value: {@code guest-panicked} → {@code guest_panicked}. */
  static String snake(String value) {
    String cached = CACHE.get(value);
    if (cached != null) {
      return cached;
    }
    String converted = value.toLowerCase(Locale.ROOT).replace('-', '_');
    if (CACHE.size() < CACHE_LIMIT) {
      CACHE.put(value, converted);
    }
    return converted;
  }
}
