package org.qmpsentinel.agent.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlNamesTest {

  @Test
  void findsTheSelectedMetricsAndNothingElse() {
    assertThat(
            PromQlNames.of(
                "histogram_quantile(0.99, sum by (le, host) (rate(qmp_sentinel_poll_seconds_bucket"
                    + "{host=~\"$host\", vm!=\"a b\"}[5m]))) * on (instance) group_left (version)"
                    + " qmp_sentinel_build_info or max(up{job='x'}) unless absent(foo_total) > bool 1"))
        .containsExactly(
            "foo_total", "qmp_sentinel_build_info", "qmp_sentinel_poll_seconds_bucket", "up");
    assertThat(PromQlNames.of("label_values(qmp_sentinel_vm_up, host)"))
        .containsExactly("qmp_sentinel_vm_up");
    assertThat(PromQlNames.of("rate(x_total[$__rate_interval]) offset 5m"))
        .containsExactly("x_total");
  }
}
