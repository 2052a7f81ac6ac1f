package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.agent.SentinelApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The agent starts with a spool it cannot create (its parent is a regular file) instead of failing,
 * and says so in {@code /actuator/health} as the DOWN {@code alerting} component.
 */
class AlertingHealthEndpointTest {
  @TempDir Path dir;

  @Test
  void anUnwritableSpoolIsTheDownAlertingComponent() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "x");
    try (ConfigurableApplicationContext agent =
        new SpringApplicationBuilder(SentinelApplication.class)
            .properties(
                "sentinel.discovery.proc-scan=false",
                "sentinel.discovery.socket-glob=",
                "sentinel.discovery.libvirt.enabled=false",
                "sentinel.alerting.spool-dir=" + notADirectory.resolve("spool"),
                "management.endpoint.health.show-components=always",
                "management.endpoint.health.show-details=always")
            .run("--server.port=0")) {
      String port = agent.getEnvironment().getProperty("local.server.port");
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode health = JsonMapper.shared().readTree(response.body());
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(health.path("status").asString()).isEqualTo("DOWN");
      JsonNode alerting = health.path("components").path("alerting");
      assertThat(alerting.path("status").asString()).isEqualTo("DOWN");
      assertThat(alerting.path("details").path("reason").asString()).isEqualTo("io");
      assertThat(alerting.path("details").path("path").asString())
          .startsWith(notADirectory.toString());
    }
  }
}
