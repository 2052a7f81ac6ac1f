package org.qmpsentinel.agent.alert;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties.Webhook;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;

/** POSTs JSON to one webhook with its auth; returns the HTTP status. */
final class WebhookClient {
  private final Webhook webhook;
  private final URI target;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final @Nullable InetSocketAddress localBind;

  WebhookClient(Webhook webhook) {
    this(webhook, null);
  }

  /**
   * {@code localBind}: see {@link HttpPost#post(URI, Map, byte[], java.time.Duration,
   * InetSocketAddress)}.
   */
  WebhookClient(Webhook webhook, @Nullable InetSocketAddress localBind) {
    this.webhook = webhook;
    this.localBind = localBind;
    String base = webhook.url().toString();
    this.target =
        webhook.mode() == WebhookMode.ALERTMANAGER
            ? URI.create(base.replaceAll("/+$", "") + "/api/v2/alerts")
            : webhook.url();
    headers.put("Content-Type", "application/json");
    if (webhook.bearerToken() != null && !webhook.bearerToken().isBlank()) {
      headers.put("Authorization", "Bearer " + webhook.bearerToken());
    } else if (webhook.username() != null && !webhook.username().isBlank()) {
      String pair =
          webhook.username() + ":" + (webhook.password() == null ? "" : webhook.password());
      headers.put(
          "Authorization",
          "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
    }
  }

  int post(String body) throws IOException {
    return HttpPost.post(
        target, headers, body.getBytes(StandardCharsets.UTF_8), webhook.timeout(), localBind);
  }
}
