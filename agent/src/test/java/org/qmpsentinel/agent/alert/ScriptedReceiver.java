package org.qmpsentinel.agent.alert;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToIntFunction;

/**
 * A real HTTP server on 127.0.0.1 whose answer to each request the test scripts (from the body),
 * optionally slow, and that can go away (connections refused) and come back on the same port. Every
 * request is recorded with the time it arrived and the headers that matter here.
 */
final class ScriptedReceiver implements AutoCloseable {
  /** One request as received. */
  record Request(String body, int answered, long arrivedNanos, String protocol, String upgrade) {}

  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile ToIntFunction<String> answer = body -> 200;
  private volatile Duration slowness = Duration.ZERO;
  private final int port;
  private HttpServer server;

  ScriptedReceiver() throws IOException {
    server = start(0);
    port = server.getAddress().getPort();
  }

  /** How each request is answered, from its body. */
  void answer(ToIntFunction<String> answer) {
    this.answer = answer;
  }

  /** How long each answer takes (a slow receiver, not a synchronization). */
  void slowness(Duration slowness) {
    this.slowness = slowness;
  }

  /** The receiver goes away: connections to its port are refused. */
  synchronized void stop() {
    server.stop(0);
  }

  /** The receiver comes back on the same port. */
  synchronized void restart() throws IOException {
    server = start(port);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port + "/hook");
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  List<String> accepted() {
    return requests.stream().filter(r -> r.answered() / 100 == 2).map(Request::body).toList();
  }

  @Override
  public synchronized void close() {
    server.stop(0);
  }

  private HttpServer start(int onPort) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 0);
    s.createContext(
        "/",
        exchange -> {
          long arrived = System.nanoTime();
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = answer.applyAsInt(body);
          String upgrade = exchange.getRequestHeaders().getFirst("Upgrade");
          requests.add(
              new Request(
                  body, status, arrived, exchange.getProtocol(), upgrade == null ? "" : upgrade));
          if (!slowness.isZero()) {
            try {
              Thread.sleep(slowness.toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    s.start();
    return s;
  }
}
