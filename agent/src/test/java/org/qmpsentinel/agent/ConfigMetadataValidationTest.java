package org.qmpsentinel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qmpsentinel.agent.ConfigValidationTest.Properties;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code sentinel.*} property in the configuration metadata (generated from the properties'
 * records, so a new property cannot be missed) gets bad values by its type — a negative and an
 * unparsable duration, a negative and an unparsable number, a word for a boolean, a relative path —
 * or, for strings and lists, the bad values in {@link #SPECIAL}; each must stop start-up with a
 * report naming the property. The walk fails if a property has no bad value at all.
 */
class ConfigMetadataValidationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withUserConfiguration(Properties.class);

  /** Bad values for properties whose type says nothing about them: assignments; expected name. */
  private static final Map<String, List<String[]>> SPECIAL =
      Map.ofEntries(
          Map.entry(
              "sentinel.host",
              List.<String[]>of(new String[] {"sentinel.host=bad host\tname", "sentinel.host"})),
          Map.entry(
              "sentinel.api.hmp.token",
              List.<String[]>of(
                  new String[] {"sentinel.api.hmp.enabled=true;sentinel.api.hmp.token=", "token"})),
          Map.entry(
              "sentinel.discovery.libvirt.uri",
              List.<String[]>of(
                  new String[] {
                    "sentinel.discovery.libvirt.uri= ", "sentinel.discovery.libvirt.uri"
                  })),
          Map.entry(
              "sentinel.discovery.socket-glob",
              List.<String[]>of(
                  new String[] {"sentinel.discovery.socket-glob=run/*.qmp", "socket-glob"})),
          Map.entry(
              "sentinel.discovery.socket-owners",
              List.<String[]>of(
                  new String[] {
                    "sentinel.discovery.socket-owners=a b", "sentinel.discovery.socket-owners[0]"
                  })),
          Map.entry(
              "sentinel.detector.fixed-qemu",
              List.<String[]>of(
                  new String[] {
                    "sentinel.detector.fixed-qemu[0]= ", "sentinel.detector.fixed-qemu[0]"
                  })),
          Map.entry(
              "sentinel.discovery.endpoints",
              List.<String[]>of(
                  new String[] {
                    "sentinel.discovery.endpoints[0].name=a;sentinel.discovery.endpoints[0].endpoint=x",
                    "sentinel.discovery.endpoints[0].endpoint"
                  })),
          Map.entry(
              "sentinel.alerting.webhooks",
              List.<String[]>of(
                  new String[] {
                    "sentinel.alerting.webhooks[0].name=w;sentinel.alerting.webhooks[0].url=ftp://h/",
                    "sentinel.alerting.webhooks[].url"
                  },
                  new String[] {
                    "sentinel.alerting.webhooks[0].name=w;sentinel.alerting.webhooks[0].url=http://h/;"
                        + "sentinel.alerting.webhooks[0].timeout=-1s",
                    "sentinel.alerting.webhooks[].timeout"
                  })),
          Map.entry(
              "sentinel.alerting.labels",
              List.<String[]>of(
                  new String[] {
                    "sentinel.alerting.labels.severity=page", "sentinel.alerting.labels.severity"
                  })),
          Map.entry(
              "sentinel.alerting.runbook-base-url",
              List.<String[]>of(
                  new String[] {
                    "sentinel.alerting.runbook-base-url=docs/runbooks.md",
                    "sentinel.alerting.runbook-base-url"
                  })),
          Map.entry(
              "sentinel.external-url",
              List.<String[]>of(
                  new String[] {"sentinel.external-url=hv-01:9180/x", "sentinel.external-url"})),
          Map.entry(
              "sentinel.proxy.path",
              List.<String[]>of(
                  new String[] {"sentinel.proxy.path=relative/{vm}.qmp", "sentinel.proxy.path"},
                  new String[] {"sentinel.proxy.path=/run/proxy.qmp", "sentinel.proxy.path"})),
          Map.entry(
              "sentinel.proxy.group",
              List.<String[]>of(new String[] {"sentinel.proxy.group=a b", "sentinel.proxy.group"})),
          Map.entry(
              "sentinel.proxy.mode",
              List.<String[]>of(
                  new String[] {"sentinel.proxy.mode=sometimes", "sentinel.proxy.mode"})),
          Map.entry(
              "sentinel.proxy.vm-modes",
              List.<String[]>of(
                  new String[] {
                    "sentinel.proxy.vm-modes.web1=sometimes", "sentinel.proxy.vm-modes"
                  })),
          Map.entry(
              "sentinel.proxy.deny-commands",
              List.<String[]>of(
                  new String[] {
                    "sentinel.proxy.deny-commands[0]= ", "sentinel.proxy.deny-commands[0]"
                  })),
          Map.entry(
              "sentinel.registers.vcpus",
              List.<String[]>of(
                  new String[] {"sentinel.registers.vcpus=0,-1", "sentinel.registers.vcpus[1]"})));

  /** sentinel.* property names and types from the generated metadata. */
  static Map<String, String> metadata() throws IOException {
    Map<String, String> types = new TreeMap<>();
    try (InputStream in =
        SentinelProperties.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("configuration metadata on the classpath").isNotNull();
      for (JsonNode p : JsonMapper.shared().readTree(in).path("properties")) {
        String name = p.path("name").asString();
        if (name.startsWith("sentinel.")) {
          types.put(name, p.path("type").asString());
        }
      }
    }
    return types;
  }

  /** (property, assignments, expected name in the report) for every property. */
  static Stream<Arguments> badValues() throws IOException {
    List<Arguments> all = new ArrayList<>();
    metadata()
        .forEach(
            (name, type) -> {
              List<String[]> cases = new ArrayList<>(SPECIAL.getOrDefault(name, List.of()));
              switch (type) {
                case "java.time.Duration" -> {
                  cases.add(new String[] {name + "=-1s", name});
                  cases.add(new String[] {name + "=soon", name});
                }
                case "java.lang.Integer", "java.lang.Double" -> {
                  cases.add(new String[] {name + "=-1", name});
                  cases.add(new String[] {name + "=many", name});
                }
                case "java.lang.Boolean" -> cases.add(new String[] {name + "=maybe", name});
                case "java.nio.file.Path" -> cases.add(new String[] {name + "=relative/x", name});
                default -> {}
              }
              assertThat(cases).as("bad values for %s (%s)", name, type).isNotEmpty();
              cases.forEach(c -> all.add(Arguments.of(name, c[0], c[1])));
            });
    return all.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badValues")
  void everyPropertyRejectsABadValueByName(String property, String assignments, String expected) {
    runner
        .withPropertyValues(assignments.split(";"))
        .run(
            context -> {
              assertThat(context).as(assignments).hasFailed();
              assertThat(ConfigValidationTest.report(context.getStartupFailure()))
                  .contains(expected);
            });
  }

  @Test
  void theWalkCoversEveryProperty() throws IOException {
    Map<String, String> properties = metadata();
    assertThat(properties).containsKeys("sentinel.api.hmp.token-file", "sentinel.poll.interval");
    assertThat(badValues().map(a -> a.get()[0]).distinct()).hasSize(properties.size());
  }

  // ---- sentinel.api.hmp.token-file ---------------------------------------------------------

  @Test
  void theTokenComesFromAPrivateFile(@TempDir Path dir) throws IOException {
    Path file = secret(dir, "rw-r-----", "s3cret\n");
    runner
        .withPropertyValues("sentinel.api.hmp.enabled=true", "sentinel.api.hmp.token-file=" + file)
        .run(
            c ->
                assertThat(c.getBean(SentinelProperties.class).api().hmp().token())
                    .isEqualTo("s3cret"));
  }

  @Test
  void aTokenFileOthersCanReadStopsStartup(@TempDir Path dir) throws IOException {
    Path file = secret(dir, "rw-r--r--", "s3cret");
    runner
        .withPropertyValues("sentinel.api.hmp.enabled=true", "sentinel.api.hmp.token-file=" + file)
        .run(
            c ->
                assertThat(ConfigValidationTest.report(c.getStartupFailure()))
                    .contains("sentinel.api.hmp.token-file")
                    .contains("OTHERS_READ"));
  }

  @Test
  void anEmptyOrMissingTokenFileOrBothSettingsStopStartup(@TempDir Path dir) throws IOException {
    Path empty = secret(dir, "rw-------", "\n");
    for (String[] bad :
        List.of(
            new String[] {"sentinel.api.hmp.token-file=" + empty},
            new String[] {"sentinel.api.hmp.token-file=" + dir.resolve("missing")},
            new String[] {"sentinel.api.hmp.token=x", "sentinel.api.hmp.token-file=" + empty})) {
      runner
          .withPropertyValues(bad)
          .run(
              c ->
                  assertThat(ConfigValidationTest.report(c.getStartupFailure()))
                      .contains("sentinel.api.hmp.token-file"));
    }
  }

  private static Path secret(Path dir, String permissions, String content) throws IOException {
    Path file = dir.resolve("token-" + permissions.hashCode());
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }
}
