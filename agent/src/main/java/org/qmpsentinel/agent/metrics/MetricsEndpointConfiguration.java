package org.qmpsentinel.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.server.ResponseStatusException;

/**
 * What a scrape serves beyond the VMs: {@code /metrics} (Prometheus' default path; the same
 * exposition as {@code /actuator/prometheus}, which stays for existing scrape configs) and {@code
 * process_cpu_seconds_total}. Which framework meters are exported at all is set in application.yml
 * ({@code management.metrics.enable}: JVM memory, GC, threads and the process only).
 */
@Configuration(proxyBeanMethods = false)
class MetricsEndpointConfiguration {

  /**
   * The process' CPU time in seconds, under the name Prometheus' own clients use. Micrometer's
   * {@code process_cpu_time_ns_total} is disabled: promtool rejects its unit.
   */
  @Bean
  MeterBinder processCpuSeconds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof com.sun.management.OperatingSystemMXBean hotspot)) {
      return registry -> {}; // not a HotSpot-compatible JVM: process_cpu_usage remains
    }
    return registry ->
        FunctionCounter.builder(
                "process.cpu", hotspot, b -> b.getProcessCpuTime() / 1_000_000_000.0)
            .description("CPU time used by the agent's process (user and system)")
            .baseUnit("seconds")
            .register(registry);
  }

  /**
   * The JVM's thread states ({@code timed-waiting}) in the one casing of every enumerated label
   * value ({@code timed_waiting}).
   */
  @Bean
  MeterFilter threadStatesInSnakeCase() {
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        String state = id.getTag("state");
        if (state == null || !id.getName().equals("jvm.threads.states")) {
          return id;
        }
        return id.replaceTags(Tags.of(id.getTags()).and("state", LabelValues.snake(state)));
      }
    };
  }

  /**
   * {@code /metrics}: forwarded to the prometheus endpoint wherever the actuator maps it, so
   * content negotiation and name filters work as there.
   */
  @Controller
  static class MetricsPath {
    private final ObjectProvider<PathMappedEndpoints> endpoints;

    MetricsPath(ObjectProvider<PathMappedEndpoints> endpoints) {
      this.endpoints = endpoints;
    }

    @GetMapping("/metrics")
    String metrics() {
      PathMappedEndpoints mapped = endpoints.getIfAvailable();
      String path = mapped == null ? null : mapped.getPath(EndpointId.of("prometheus"));
      if (path == null) {
        throw new ResponseStatusException(
            HttpStatus.NOT_FOUND, "the prometheus endpoint is not exposed");
      }
      return "forward:" + path;
    }
  }
}
