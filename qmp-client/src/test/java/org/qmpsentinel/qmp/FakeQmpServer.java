package org.qmpsentinel.qmp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scripted QMP peer on loopback, for faults real QEMU cannot be made to produce on demand. It
 * accepts connections one after another and runs the script with each, on its own thread; after the
 * script returns it keeps the connection open until the client closes it.
 *
 * <p>A script that throws fails the test: {@link #close()} (and {@link #assertNoScriptFailure()})
 * rethrow its exception as an {@link AssertionError}. Exceptions caused by {@link #close()} itself
 * (a script blocked in {@link Peer#read()} when the test ends) are not failures. A script that
 * expects the client to hang up on it must catch that {@link IOException} itself.
 */
public final class FakeQmpServer implements AutoCloseable {
  /** A QEMU 7.2 greeting offering {@code oob}. */
  public static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"},"
          + " \"capabilities\": [\"oob\"]}}";

  /** The server's side of one connection. */
  public static final class Peer {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;

    Peer(Socket socket) throws IOException {
      this.socket = socket;
      this.in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      this.out = socket.getOutputStream();
    }

    /** Writes {@code text} as is (UTF-8). */
    public void send(String text) throws IOException {
      send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes, e.g. invalid UTF-8. */
    public void send(byte[] bytes) throws IOException {
      out.write(bytes);
      out.flush();
    }

    /** Writes {@code json} and QEMU's CRLF. */
    public void sendLine(String json) throws IOException {
      send(json + "\r\n");
    }

    /** Reads the next command the client sent; {@link IOException} when the client closed. */
    public JsonNode read() throws IOException {
      String line = in.readLine();
      if (line == null) {
        throw new IOException("client closed");
      }
      return JsonMapper.shared().readTree(line);
    }

    /** Greets and answers qmp_capabilities. */
    public void handshake() throws IOException {
      sendLine(GREETING);
      JsonNode caps = read();
      sendLine("{\"return\": {}, \"id\": \"" + caps.path("id").asString() + "\"}");
    }

    /** Answers {@code command} with {@code returnJson} as its {@code return} member. */
    public void reply(JsonNode command, String returnJson) throws IOException {
      sendLine(
          "{\"return\": " + returnJson + ", \"id\": \"" + command.path("id").asString() + "\"}");
    }

    /** Sends event {@code name} with empty data. */
    public void event(String name) throws IOException {
      sendLine(
          "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \""
              + name
              + "\", \"data\": {}}");
    }

    /** Closes this connection (the server goes on to the next one). */
    public void close() throws IOException {
      socket.close();
    }
  }

  /** What the server does with each connection. */
  @FunctionalInterface
  public interface Script {
    /** Plays QEMU on one connection; an exception fails the test. */
    void run(Peer peer) throws Exception;
  }

  private final ServerSocket server;
  private final Thread thread;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
  private volatile @Nullable Socket current;
  private volatile boolean closing;

  /** Listens on an ephemeral loopback port and serves each connection with {@code script}. */
  public FakeQmpServer(Script script) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread = new Thread(() -> serve(script), "fake-qmp");
    thread.setDaemon(true);
    thread.start();
  }

  private void serve(Script script) {
    while (!closing) {
      try (Socket s = server.accept()) {
        current = s;
        accepted.incrementAndGet();
        try {
          script.run(new Peer(s));
        } catch (Exception | AssertionError e) {
          if (!closing) {
            failure.compareAndSet(null, e);
          }
        }
        // Keep the socket open until the client (or the script) closes it.
        while (!closing && !s.isClosed() && s.getInputStream().read() >= 0) {
          // discard
        }
      } catch (IOException e) {
        // the connection or the server socket is gone: next connection, or the end
      }
    }
  }

  /** Where to connect. */
  public QmpEndpoint endpoint() {
    return QmpEndpoint.tcp("127.0.0.1", server.getLocalPort());
  }

  /** Connections accepted so far. */
  public int connectionsAccepted() {
    return accepted.get();
  }

  /** Throws an {@link AssertionError} (caused by it) if a script has thrown so far. */
  public void assertNoScriptFailure() {
    Throwable t = failure.get();
    if (t != null) {
      throw new AssertionError("the fake QMP server's script failed: " + t, t);
    }
  }

  /** Stops serving, closes the open connection, and fails if a script failed. */
  @Override
  public void close() {
    closing = true;
    try {
      server.close();
      Socket s = current;
      if (s != null) {
        s.close();
      }
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (IOException e) {
      throw new AssertionError("closing the fake QMP server", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertNoScriptFailure();
  }
}
