package org.qmpsentinel.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code sentinel.*} property is documented twice, and the two cannot drift: a javadoc
 * {@code @param} in {@link SentinelProperties} (which the configuration processor turns into the
 * metadata IDEs show) and a row of README's configuration table.
 */
class ConfigurationDocsTest {

  @Test
  void everyPropertyHasADescriptionAndAReadmeRow() throws Exception {
    JsonNode metadata;
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("configuration metadata (spring-boot-configuration-processor)").isNotNull();
      metadata = JsonMapper.shared().readTree(in);
    }
    String readme =
        Files.readString(
            Path.of(System.getProperty("qmpsentinel.repo", "..")).resolve("README.md"));
    List<String> undocumented = new ArrayList<>();
    List<String> missingFromReadme = new ArrayList<>();
    int properties = 0;
    for (JsonNode p : metadata.path("properties")) {
      String name = p.path("name").asString();
      if (!name.startsWith("sentinel.")) {
        continue;
      }
      properties++;
      if (p.path("description").asString("").isBlank()) {
        undocumented.add(name);
      }
      if (!readme.contains("| `" + name + "` |")) {
        missingFromReadme.add(name);
      }
    }
    assertThat(properties).isGreaterThan(20);
    assertThat(undocumented).as("properties without @param javadoc").isEmpty();
    assertThat(missingFromReadme).as("properties without a README row").isEmpty();
  }
}
