package org.qmpsentinel.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ScrapeWarmupTest {

  @Test
  void scrapesTheAgentsOwnEndpointOverHttp() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
          byte[] body = "# EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      new ScrapeWarmup(
              new PrometheusRegistry(),
              Optional.of(new ScrapeWarmup.Endpoint(server.getAddress(), "/actuator/prometheus")))
          .run(); // synchronous: the request has been answered when run() returns

      assertThat(requests).containsExactly("GET /actuator/prometheus");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void rendersTheRegistryDirectlyWhenTheEndpointCannotBeReached() throws Exception {
    InetSocketAddress closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = (InetSocketAddress) s.getLocalSocketAddress();
    }
    int[] collected = {0};
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(
        () -> {
          collected[0]++;
          return io.prometheus.metrics.model.snapshots.MetricSnapshots.of();
        });

    new ScrapeWarmup(registry, Optional.of(new ScrapeWarmup.Endpoint(closed, "/metrics"))).run();

    assertThat(collected[0]).isEqualTo(1);
  }
}
