package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qmpsentinel.agent.SentinelApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Fault 9: {@code retry-max=0s} was accepted and made every retry immediate (24,586 POSTs in 10 s).
 * A backoff whose ceiling is below its floor, or any non-positive alerting period, now stops
 * start-up naming the property.
 */
class AlertingConfigTest {

  @ParameterizedTest(name = "{0} fails naming {1}")
  @CsvSource({
    "sentinel.alerting.retry-max=0s, sentinel.alerting.retry-max",
    "sentinel.alerting.retry-max=500ms, sentinel.alerting.retry-max",
    "sentinel.alerting.retry-initial=0s, sentinel.alerting.retry-initial",
    "sentinel.alerting.alertmanager-resend=0s, sentinel.alerting.alertmanager-resend",
    "sentinel.alerting.resolve-unseen-after=-1s, sentinel.alerting.resolve-unseen-after",
  })
  void badValueStopsStartupNamingTheProperty(String assignment, String property) {
    assertThatThrownBy(
            () ->
                new SpringApplicationBuilder(SentinelApplication.class)
                    .properties(
                        "sentinel.discovery.proc-scan=false",
                        "sentinel.discovery.socket-glob=",
                        "sentinel.discovery.libvirt.enabled=false",
                        "sentinel.alerting.retry-initial=1s")
                    .properties(assignment)
                    .run("--server.port=0")
                    .close())
        .satisfies(e -> assertThat(chain(e)).contains(property));
  }

  private static String chain(Throwable t) {
    StringBuilder s = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      s.append(c.getMessage()).append('\n');
    }
    return s.toString();
  }
}
