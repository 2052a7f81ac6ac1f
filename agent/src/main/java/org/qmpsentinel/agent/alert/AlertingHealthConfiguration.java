package org.qmpsentinel.agent.alert;

import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code alerting} component of {@code /actuator/health} (the bean's name without the
 * HealthIndicator suffix): DOWN while the alert spool cannot be written. Not part of the liveness
 * or readiness groups — restarting the agent does not make a full disk writable.
 */
@Configuration(proxyBeanMethods = false)
class AlertingHealthConfiguration {

  @Bean
  HealthIndicator alertingHealthIndicator(AlertService alerts) {
    return alerts.healthIndicator();
  }
}
