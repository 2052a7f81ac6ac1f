package org.qmpsentinel.agent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.qmpsentinel.agent.metrics.ScrapeWarmup;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Where this agent serves its Prometheus scrape, as seen from the agent itself: the web server's
 * port on its bind address (loopback when bound to every address) and {@code /metrics}, the path
 * the shipped scrape configuration uses (it forwards to the prometheus endpoint, so both are
 * warmed). Empty when the scrape is served elsewhere (a separate management port) or over TLS.
 */
final class ScrapeEndpoints {
  private ScrapeEndpoints() {}

  static Optional<ScrapeWarmup.Endpoint> of(
      ApplicationContext context,
      ObjectProvider<PathMappedEndpoints> endpoints,
      Environment environment) {
    PathMappedEndpoints mapped = endpoints.getIfAvailable();
    if (!(context instanceof WebServerApplicationContext web)
        || mapped == null
        || environment.containsProperty("management.server.port")
        || environment.getProperty("server.ssl.enabled", Boolean.class, false)) {
      return Optional.empty();
    }
    String path = mapped.getPath(EndpointId.of("prometheus"));
    WebServer server = web.getWebServer();
    int port = server == null ? -1 : server.getPort();
    if (path == null || port <= 0) {
      return Optional.empty();
    }
    String contextPath = environment.getProperty("server.servlet.context-path", "");
    try {
      InetAddress bound = InetAddress.getByName(environment.getProperty("server.address"));
      InetAddress address = bound.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : bound;
      return Optional.of(
          new ScrapeWarmup.Endpoint(
              new InetSocketAddress(address, port), contextPath + "/metrics"));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
