package org.qmpsentinel.agent.systemd;

import java.util.concurrent.ScheduledExecutorService;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The systemd service protocol, active when systemd started the agent as {@code Type=notify}. */
@Configuration(proxyBeanMethods = false)
class SystemdConfiguration {

  @Bean(destroyMethod = "close")
  ServiceManager serviceManager(
      @Qualifier("pollScheduler") ScheduledExecutorService pollScheduler) {
    return ServiceManager.fromEnvironment(System.getenv(), pollScheduler);
  }
}
