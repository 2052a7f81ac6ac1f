package org.qmpsentinel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.discovery.libvirt.LibvirtDiscoveryConfiguration.LibvirtProperties;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

/**
 * A bad configuration stops start-up, and the report an operator reads (Boot's failure analysis,
 * printed as "APPLICATION FAILED TO START") names the offending property as it is written.
 * Properties are bound in a plain context (no web server, no discovery); one test starts the real
 * application to show the checks are wired into it.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigValidationTest {

  /** The configuration classes and the unknown-key check, as the application has them. */
  @EnableConfigurationProperties({SentinelProperties.class, LibvirtProperties.class})
  @ComponentScan(basePackageClasses = SentinelProperties.class)
  static class Properties {}

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withUserConfiguration(Properties.class);

  /** What start-up prints: the first failure analysis that applies, as SpringApplication does. */
  static String report(Throwable failure) {
    List<FailureAnalyzer> analyzers =
        SpringFactoriesLoader.forDefaultResourceLocation(
                ConfigValidationTest.class.getClassLoader())
            .load(
                FailureAnalyzer.class,
                ArgumentResolver.none(),
                FailureHandler.handleMessage((message, e) -> {})); // those needing a context
    for (FailureAnalyzer analyzer : analyzers) {
      FailureAnalysis analysis = analyzer.analyze(failure);
      if (analysis != null) {
        return analysis.getDescription() + "\n" + analysis.getAction();
      }
    }
    return "no failure analysis for " + failure;
  }

  @ParameterizedTest(name = "{0} fails naming {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sentinel.discovery.interval=-1s                       | sentinel.discovery.interval
          sentinel.discovery.interval=0s                        | sentinel.discovery.interval
          sentinel.discovery.interval=10ms                      | sentinel.discovery.interval
          sentinel.discovery.socket-glob=run/qmp/*.qmp          | sentinel.discovery.socket-glob
          sentinel.discovery.socket-glob=/run/*/vm.qmp          | sentinel.discovery.socket-glob
          sentinel.discovery.socket-glob=/run/qmp/[x.qmp        | sentinel.discovery.socket-glob
          sentinel.discovery.socket-glob=/                      | sentinel.discovery.socket-glob
          sentinel.discovery.socket-owners=root,bad name        | sentinel.discovery.socket-owners[1]
          sentinel.discovery.socket-owners[0]=group:            | sentinel.discovery.socket-owners[0]
          sentinel.discovery.endpoints[0].name=a;sentinel.discovery.endpoints[0].endpoint=nowhere | sentinel.discovery.endpoints[0].endpoint
          sentinel.discovery.endpoints[0].name=a;sentinel.discovery.endpoints[0].endpoint=unix:   | sentinel.discovery.endpoints[0].endpoint
          sentinel.discovery.endpoints[0].name= ;sentinel.discovery.endpoints[0].endpoint=/run/a  | sentinel.discovery.endpoints[0].name
          sentinel.discovery.libvirt.uri=                       | sentinel.discovery.libvirt.uri
          sentinel.discovery.libvirt.reconnect-interval=100ms   | sentinel.discovery.libvirt.reconnect-interval
          sentinel.discovery.libvirt.register-confirmation=maybe | sentinel.discovery.libvirt.register-confirmation
          sentinel.discovery.libvirt.enabled=maybe              | sentinel.discovery.libvirt.enabled
          sentinel.discovery.proc-scan=maybe                    | sentinel.discovery.proc-scan
          sentinel.poll.interval=0s                             | sentinel.poll.interval
          sentinel.poll.interval=-1s                            | sentinel.poll.interval
          sentinel.poll.steady-interval=0s                      | sentinel.poll.steady-interval
          sentinel.poll.steady-interval=-10s                    | sentinel.poll.steady-interval
          sentinel.poll.jitter=-0.1                             | sentinel.poll.jitter
          sentinel.poll.jitter=0.6                              | sentinel.poll.jitter
          sentinel.poll.jitter=3                                | sentinel.poll.jitter
          sentinel.poll.command-timeout=0s                      | sentinel.poll.command-timeout
          sentinel.poll.command-timeout=-2s                     | sentinel.poll.command-timeout
          sentinel.poll.cpus-refresh=-1s                        | sentinel.poll.cpus-refresh
          sentinel.poll.kvm-stats=maybe                         | sentinel.poll.kvm-stats
          sentinel.detector.startup-settle=-1s                  | sentinel.detector.startup-settle
          sentinel.detector.sync-min-interval=-1s               | sentinel.detector.sync-min-interval
          sentinel.detector.kick-min-interval=-1ms              | sentinel.detector.kick-min-interval
          sentinel.detector.suspect-after=-5s                   | sentinel.detector.suspect-after
          sentinel.detector.suspect-after=0s                    | sentinel.detector.suspect-after
          sentinel.detector.confirm-after=-10s                  | sentinel.detector.confirm-after
          sentinel.detector.confirm-after=0s                    | sentinel.detector.confirm-after
          sentinel.detector.monitor-timeouts-to-suspect=0       | sentinel.detector.monitor-timeouts-to-suspect
          sentinel.detector.monitor-timeouts-to-suspect=-1      | sentinel.detector.monitor-timeouts-to-suspect
          sentinel.detector.fixed-qemu[0]=9.2;sentinel.detector.fixed-qemu[1]= | sentinel.detector.fixed-qemu[1]
          sentinel.remediation.max-resets-per-hour=0            | sentinel.remediation.max-resets-per-hour
          sentinel.remediation.max-resets-per-hour=-1           | sentinel.remediation.max-resets-per-hour
          sentinel.remediation.enabled=maybe                    | sentinel.remediation.enabled
          sentinel.api.hmp.enabled=true                         | sentinel.api.hmp.token
          sentinel.api.hmp.enabled=true;sentinel.api.hmp.token= | sentinel.api.hmp.token
          sentinel.alerting.retry-initial=-1s                   | sentinel.alerting.retry-initial
          sentinel.alerting.runbook-base-url=docs/runbooks.md   | sentinel.alerting.runbook-base-url
          sentinel.alerting.labels.severity=page                | sentinel.alerting.labels.severity
          sentinel.alerting.labels.host=x                       | sentinel.alerting.labels.host
          sentinel.alerting.labels[bad-name]=x                  | sentinel.alerting.labels.bad-name
          sentinel.external-url=not a url                       | sentinel.external-url
          """)
  void badValueStopsStartupNamingTheProperty(String assignments, String property) {
    runner
        .withPropertyValues(assignments.split(";"))
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(report(context.getStartupFailure())).contains(property);
            });
  }

  @Test
  void aConstraintViolationReportsTheValueAsWrittenAndWhereItCameFrom() {
    runner
        .withPropertyValues("sentinel.poll.cpusRefresh=-1s")
        .run(
            context ->
                assertThat(report(context.getStartupFailure()))
                    .contains("Property: sentinel.poll.cpus-refresh")
                    .contains("Value: \"-1s\"")
                    .contains("Origin: \"sentinel.poll.cpusRefresh\" from property source")
                    .contains("Reason: must be longer than or equal to 0"));
  }

  @ParameterizedTest(name = "{0} is accepted")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sentinel.poll.cpus-refresh=0s
          sentinel.poll.jitter=0
          sentinel.poll.jitter=0.5
          sentinel.detector.startup-settle=0s
          sentinel.detector.sync-min-interval=0s
          sentinel.detector.kick-min-interval=0s
          sentinel.detector.monitor-timeouts-to-suspect=1
          sentinel.discovery.interval=100ms
          sentinel.discovery.socket-glob=
          sentinel.discovery.socket-glob=/var/run/qmp/vm-[0-9]*.{qmp,sock}
          sentinel.discovery.socket-owners=
          sentinel.discovery.socket-owners=root,4242,group:kvm,group:107,libvirt-qemu,svc$
          sentinel.discovery.endpoints[0].name=a;sentinel.discovery.endpoints[0].endpoint=unix:/run/a.qmp
          sentinel.discovery.endpoints[0].name=b;sentinel.discovery.endpoints[0].endpoint=127.0.0.1:4444
          sentinel.detector.fixed-qemu=9.2,1:8.2.2+ds-0ubuntu1.4
          sentinel.alerting.webhooks[0].name=w;sentinel.alerting.webhooks[0].url=http://127.0.0.1:1/;sentinel.alerting.webhooks[0].bearer-token=t
          sentinel.poll.steadyInterval=5s;sentinel.poll.KVM_STATS=false
          sentinel.alerting.runbook-base-url=https://wiki.example/qmp-sentinel/runbooks
          sentinel.alerting.labels.cluster=eu-1;sentinel.alerting.labels.replica=
          sentinel.external-url=https://hv-01.example:8443/sentinel
          """)
  void boundaryAndRelaxedValuesAreAccepted(String assignments) {
    runner.withPropertyValues(assignments.split(";")).run(c -> assertThat(c).hasNotFailed());
  }

  @Test
  void theDefaultsAreValid() {
    runner.run(c -> assertThat(c).hasNotFailed());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          sentinel.poll.intervall=2s     | unknown property sentinel.poll.intervall; did you mean sentinel.poll.interval?
          sentinel.detector.suspect-aftr=5s | unknown property sentinel.detector.suspect-aftr; did you mean sentinel.detector.suspect-after?
          sentinel.discovery.socket-owner=root | unknown property sentinel.discovery.socket-owner; did you mean sentinel.discovery.socket-owners?
          sentinel.discovery.libvirt.status-dir=/x | unknown property sentinel.discovery.libvirt.status-dir
          sentinel.alerting.webhooks[0].name=w;sentinel.alerting.webhooks[0].url=http://h/;sentinel.alerting.webhooks[0].bearer-tokn=t | unknown property sentinel.alerting.webhooks[0].bearer-tokn; did you mean sentinel.alerting.webhooks[0].bearer-token?
          sentinel.discovery.endpoints[3].nmae=a | unknown property sentinel.discovery.endpoints[3].nmae; did you mean sentinel.discovery.endpoints[3].name?
          sentinel.detector.fixed-qemu[0].x=9.2 | unknown property sentinel.detector.fixed-qemu[0].x
          sentinel.poll=1s               | unknown property sentinel.poll
          """)
  void anUnknownKeyStopsStartupWithASuggestion(String assignments, String expected) {
    runner
        .withPropertyValues(assignments.split(";"))
        .run(
            context -> {
              assertThat(context).hasFailed();
              assertThat(report(context.getStartupFailure()))
                  .contains(expected)
                  .contains("from property source")
                  .contains("README.md lists every sentinel.* property");
            });
  }

  @Test
  void aKeyTooFarFromAnyKnownOneGetsNoSuggestionAndAllUnknownKeysAreListed() {
    runner
        .withPropertyValues("sentinel.completely.different=1", "sentinel.poll.intervall=1s")
        .run(
            context ->
                assertThat(report(context.getStartupFailure()))
                    .contains("unknown property sentinel.completely.different (")
                    .doesNotContain("sentinel.completely.different; did you mean")
                    .contains("unknown property sentinel.poll.intervall; did you mean"));
  }

  @Test
  void environmentVariablesAreCheckedInBothOfTheirSpellings() {
    ApplicationContextRunner withEnvironment =
        runner.withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    .addFirst(
                        new SystemEnvironmentPropertySource(
                            "test-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            Map.of(
                                "SENTINEL_POLL_STEADY_INTERVAL", "5s",
                                "SENTINEL_POLL_COMMANDTIMEOUT", "3s",
                                "SENTINEL_DISCOVERY_ENDPOINTS_0_NAME", "a",
                                "SENTINEL_DISCOVERY_ENDPOINTS_0_ENDPOINT", "/run/a.qmp",
                                "SENTINEL_ALERTING_WEBHOOKS_0_NAME", "w",
                                "SENTINEL_ALERTING_WEBHOOKS_0_URL", "http://h/",
                                "SENTINEL_ALERTING_WEBHOOKS_0_BEARER_TOKEN", "t"))));
    withEnvironment.run(c -> assertThat(c).hasNotFailed());
    withEnvironment
        .withInitializer(
            context ->
                context
                    .getEnvironment()
                    .getPropertySources()
                    .addFirst(
                        new SystemEnvironmentPropertySource(
                            "more-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            Map.of("SENTINEL_POLL_STEADY_INTERVALL", "5s"))))
        .run(
            context ->
                assertThat(report(context.getStartupFailure()))
                    .contains("unknown property sentinel.poll.steady.intervall")
                    .contains("SENTINEL_POLL_STEADY_INTERVALL"));
  }

  @Test
  void theApplicationReportsAnUnknownKeyBeforeStartingAnything(CapturedOutput output) {
    SpringApplicationBuilder app =
        new SpringApplicationBuilder(SentinelApplication.class)
            .properties(
                "sentinel.discovery.proc-scan=false",
                "sentinel.discovery.socket-glob=",
                "sentinel.discovery.libvirt.enabled=false",
                "sentinel.poll.intervall=2s");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> app.run("--server.port=0").close())
        .isInstanceOf(org.qmpsentinel.agent.config.UnknownPropertiesException.class);
    assertThat(output)
        .contains("APPLICATION FAILED TO START")
        .contains("unknown property sentinel.poll.intervall; did you mean sentinel.poll.interval?")
        .doesNotContain("Tomcat initialized");
  }
}
