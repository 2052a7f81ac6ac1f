package org.qmpsentinel.agent.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * {@code qmp_sentinel_alerting_info{alert_host} 1}: the {@code host} label the agent puts on the
 * alerts it sends. The shipped rule {@code QmpSentinelHostLabelMismatch} compares it with the
 * {@code host} target label Prometheus gives the agent: if they differ, the rules' alert and the
 * agent's alert for one hang are two alerts in Alertmanager, and page twice.
 */
public final class AlertingInfo implements MultiCollector {
  private final MetricSnapshots snapshot;

  public AlertingInfo(String alertHost) {
    this.snapshot =
        MetricSnapshots.of(
            InfoSnapshot.builder()
                .name("qmp_sentinel_alerting")
                .help("the host label of the alerts this agent sends (sentinel.host)")
                .dataPoint(
                    InfoDataPointSnapshot.builder()
                        .labels(Labels.of("alert_host", alertHost))
                        .build())
                .build());
  }

  @Override
  public MetricSnapshots collect() {
    return snapshot;
  }
}
