package org.qmpsentinel.agent.testsupport;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that records every POST. It answers {@code failFirst} requests
 * with 500, then 200 — how a receiver's outage looks to the agent.
 */
public final class WebhookReceiver implements AutoCloseable {
  /** One request as received. */
  public record Request(
      String path, String authorization, String body, int answered, long receivedNanos) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private volatile int status = 200;

  public WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          long at = System.nanoTime();
          int answer = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : status;
          requests.add(
              new Request(
                  exchange.getRequestURI().getPath(),
                  exchange.getRequestHeaders().getFirst("Authorization"),
                  body,
                  answer,
                  at));
          exchange.sendResponseHeaders(answer, -1);
          exchange.close();
        });
    server.start();
  }

  /** What every request is answered with from now on (after any {@link #failNext} ones). */
  public void answerWith(int status) {
    this.status = status;
  }

  public void failNext(int n) {
    failuresLeft.set(n);
  }

  public URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public List<Request> accepted() {
    return requests.stream().filter(r -> r.answered() / 100 == 2).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
