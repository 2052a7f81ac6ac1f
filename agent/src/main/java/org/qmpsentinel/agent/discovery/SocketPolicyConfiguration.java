package org.qmpsentinel.agent.discovery;

import org.qmpsentinel.agent.config.SentinelProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one {@link SocketPolicy} of the agent, from {@code sentinel.discovery.socket-owners}. */
@Configuration(proxyBeanMethods = false)
class SocketPolicyConfiguration {
  @Bean
  SocketPolicy socketPolicy(SentinelProperties properties) {
    return new SocketPolicy(SocketOwners.of(properties.discovery().socketOwners()));
  }
}
