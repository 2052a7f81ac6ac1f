package org.qmpsentinel.agent.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One audit line and one count per HMP request, allowed or not: who asked (the caller's address),
 * for which VM, what, and what was decided. The log category {@code qmp-sentinel.audit} lets an
 * operator route these lines apart.
 */
@Component
public class HmpAudit {
  private static final Logger audit = LoggerFactory.getLogger("qmp-sentinel.audit");

  private final MeterRegistry registry;

  /** A caller's text on one log line: no line breaks or other control characters, no quotes. */
  private static String printable(String text) {
    return text.replaceAll("[\\p{Cntrl}\"]", "?");
  }

  public HmpAudit(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(HttpServletRequest http, String vm, String command, String decision, String reason) {
    audit.info(
        "hmp caller={} vm={} command=\"{}\" decision={} reason=\"{}\"",
        http.getRemoteAddr(),
        printable(vm),
        printable(command),
        decision,
        printable(reason));
    Counter.builder("qmp.sentinel.api.hmp.requests")
        .description("HMP requests through the API, by decision")
        .tag("decision", decision)
        .register(registry)
        .increment();
  }
}
