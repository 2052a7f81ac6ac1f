package org.qmpsentinel.qmp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A scripted QMP peer on loopback, for faults real QEMU cannot be made to produce on demand. The
 * script runs on its own thread with one accepted connection.
 */
public final class FakeQmpServer implements AutoCloseable {
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

    public void send(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    public void sendLine(String json) throws IOException {
      send(json + "\r\n");
    }

    /** Reads the next command the client sent. */
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

    public void reply(JsonNode command, String returnJson) throws IOException {
      sendLine(
          "{\"return\": " + returnJson + ", \"id\": \"" + command.path("id").asString() + "\"}");
    }

    public void event(String name) throws IOException {
      sendLine(
          "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \""
              + name
              + "\", \"data\": {}}");
    }

    public void close() throws IOException {
      socket.close();
    }
  }

  public interface Script {
    void run(Peer peer) throws Exception;
  }

  private final ServerSocket server;
  private final Thread thread;

  public FakeQmpServer(Script script) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    thread =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                script.run(new Peer(s));
                // keep the socket open until the test closes the server
                while (!server.isClosed()) {
                  if (s.getInputStream().read() < 0) {
                    break;
                  }
                }
              } catch (Exception e) {
                // the test observes the effect on the client
              }
            },
            "fake-qmp");
    thread.setDaemon(true);
    thread.start();
  }

  public QmpEndpoint endpoint() {
    return QmpEndpoint.tcp("127.0.0.1", server.getLocalPort());
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
