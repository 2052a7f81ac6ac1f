package org.qmpsentinel.agent.build;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Publishes the build's identity as {@code qmp_sentinel_build_info}. */
@Configuration(proxyBeanMethods = false)
class BuildConfiguration {

  @Bean
  BuildVersion buildVersion() {
    return BuildVersion.current();
  }

  @Bean
  BuildInfoCollector buildInfoCollector(
      BuildVersion version, ObjectProvider<PrometheusRegistry> prometheus) {
    BuildInfoCollector collector = new BuildInfoCollector(version);
    prometheus.ifAvailable(registry -> registry.register(collector));
    return collector;
  }
}
