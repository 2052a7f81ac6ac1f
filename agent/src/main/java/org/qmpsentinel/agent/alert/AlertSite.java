package org.qmpsentinel.agent.alert;

import java.net.URI;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What every alert the agent sends carries besides the hang, the same for every webhook.
 *
 * @param host the {@code host} label: must equal the {@code host} target label Prometheus puts on
 *     this agent's series, so the rule's alert and the agent's are one alert in Alertmanager
 * @param labels further labels on every alert (e.g. Prometheus' {@code external_labels})
 * @param runbookBase absolute URL of docs/runbooks.md; {@code #alertname} (lower case) is appended
 * @param externalUrl the agent's URL as a reader of the alert reaches it (generatorURL, the webhook
 *     payload's externalURL); a supplier, as the port is known only once the server listens
 */
public record AlertSite(
    String host, Map<String, String> labels, URI runbookBase, Supplier<URI> externalUrl) {
  public AlertSite {
    labels = Map.copyOf(labels);
  }
}
