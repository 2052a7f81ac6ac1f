package org.qmpsentinel.agent.alert;

import java.net.URI;
import java.time.Duration;
import org.qmpsentinel.agent.config.SentinelProperties;
import org.qmpsentinel.agent.config.SentinelProperties.WebhookMode;

/** Values the alert tests share. */
final class Alerts {
  private Alerts() {}

  static SentinelProperties.Webhook webhook(URI url, WebhookMode mode) {
    return new SentinelProperties.Webhook("r", url, mode, null, null, null, Duration.ofSeconds(2));
  }
}
