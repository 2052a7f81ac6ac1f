package org.qmpsentinel.agent.build;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * {@code qmp_sentinel_build_info{version,revision,java} 1}: the Prometheus convention for joining a
 * build's identity onto other series and for spotting hosts that run an old agent. An info-type
 * metric, so the text format shows it as a gauge of 1 with the {@code _info} suffix intact.
 */
public final class BuildInfoCollector implements Collector {
  private final InfoSnapshot snapshot;

  public BuildInfoCollector(BuildVersion build) {
    this.snapshot =
        InfoSnapshot.builder()
            .name("qmp_sentinel_build")
            .help("version, git revision and Java version of the running agent; always 1")
            .dataPoint(
                InfoDataPointSnapshot.builder()
                    .labels(
                        Labels.of(
                            "version", build.version(),
                            "revision", build.revision(),
                            "java", build.java()))
                    .build())
            .build();
  }

  @Override
  public MetricSnapshot collect() {
    return snapshot;
  }
}
