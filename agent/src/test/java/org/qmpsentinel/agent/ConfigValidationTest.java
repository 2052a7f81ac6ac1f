package org.qmpsentinel.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
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

  @Test
  void zeroPollIntervalNamesTheProperty() {
    assertThatThrownBy(() -> start("sentinel.poll.interval=0s"))
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(chain(e))
                    .contains("sentinel.poll.interval"));
  }

  @Test
  void hmpWithoutTokenNamesTheProperty() {
    assertThatThrownBy(() -> start("sentinel.api.hmp.enabled=true"))
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(chain(e))
                    .contains("sentinel.api.hmp.token"));
  }

  @Test
  void jitterOutOfRangeNamesTheProperty() {
    assertThatThrownBy(() -> start("sentinel.poll.jitter=3"))
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(chain(e))
                    .contains("sentinel.poll.jitter"));
  }
}
