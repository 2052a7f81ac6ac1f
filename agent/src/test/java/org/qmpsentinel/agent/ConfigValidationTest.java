package org.qmpsentinel.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A bad configuration stops startup with the offending property's name in the error. */
class ConfigValidationTest {

  private static void start(String... properties) {
    // server.port as an argument, not a default property: it must outrank application.yml.
    new SpringApplicationBuilder(SentinelApplication.class)
        .properties("sentinel.discovery.proc-scan=false", "sentinel.discovery.socket-glob=")
        .properties(properties)
        .run("--server.port=0")
        .close();
  }

  private static String chain(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      s.append(c.getMessage()).append('\n');
    }
    return s.toString();
  }

  @ParameterizedTest(name = "{0} fails naming {1}")
  @CsvSource({
    "sentinel.poll.interval=0s, sentinel.poll.interval",
    "sentinel.api.hmp.enabled=true, sentinel.api.hmp.token",
    "sentinel.poll.jitter=3, sentinel.poll.jitter",
    "sentinel.alerting.retry-initial=-1s, sentinel.alerting.retry-initial",
  })
  void badValueStopsStartupNamingTheProperty(String assignment, String property) {
    assertThatThrownBy(() -> start(assignment))
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(chain(e)).contains(property));
  }
}
