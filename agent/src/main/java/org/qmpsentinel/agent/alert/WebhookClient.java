package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.qmpsentinel.agent.config.SentinelProperties.Webhook;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;

/** POSTs JSON to one webhook with its auth; returns the HTTP status. */
final class WebhookClient {
  private final Webhook webhook;
  private final HttpClient http;
  private final URI target;

  WebhookClient(Webhook webhook, HttpClient http) {
    this.webhook = webhook;
    this.http = http;
    String base = webhook.url().toString();
    this.target =
        webhook.mode() == WebhookMode.ALERTMANAGER
            ? URI.create(base.replaceAll("/+$", "") + "/api/v2/alerts")
            : webhook.url();
  }

  int post(String body) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target)
            .timeout(webhook.timeout())
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (webhook.bearerToken() != null && !webhook.bearerToken().isBlank()) {
      request.header("Authorization", "Bearer " + webhook.bearerToken());
    } else if (webhook.username() != null && !webhook.username().isBlank()) {
      String pair =
          webhook.username() + ":" + (webhook.password() == null ? "" : webhook.password());
      request.header(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
