package org.qmpsentinel.agent.discovery;

import org.qmpsentinel.agent.config.SentinelProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one {@link SocketPolicy} of the agent, from {@code sentinel.discovery.socket-owners}. */
@Configuration(proxyBeanMethods = false)
class SocketPolicyConfiguration {
  @Bean
  SocketPolicy socketPolicy(SentinelProperties properties, Unmonitored unmonitored) {
    return new SocketPolicy(SocketOwners.of(properties.discovery().socketOwners()), unmonitored);
  }

  /** VMs found but not monitored (API, WARN log, qmp_sentinel_vm_unmonitored{reason}). */
  @Bean
  Unmonitored unmonitored() {
    return new Unmonitored();
  }
}
