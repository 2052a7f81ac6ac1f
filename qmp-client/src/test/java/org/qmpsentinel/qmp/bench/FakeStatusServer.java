package org.qmpsentinel.qmp.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.qmpsentinel.qmp.QmpEndpoint;

/** Answers every command at once on loopback: the client's cost without QEMU's. */
final class FakeStatusServer implements AutoCloseable {
  private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  private final Thread thread = new Thread(this::serve, "bench-fake");

  FakeStatusServer() throws IOException {
    thread.setDaemon(true);
    thread.start();
  }

  QmpEndpoint endpoint() {
    return QmpEndpoint.tcp("127.0.0.1", server.getLocalPort());
  }

  /** The serving thread, whose CPU is not the client's. */
  Thread thread() {
    return thread;
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        s.setTcpNoDelay(true);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream();
        out.write(
            ("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7},"
                    + " \"package\": \"\"}, \"capabilities\": []}}\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
          int i = line.indexOf("\"id\":");
          String id = line.substring(i + 5).replaceAll("[}\\s]", "");
          String reply =
              line.contains("query-status")
                  ? "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\":"
                      + " true}, \"id\": "
                      + id
                      + "}\r\n"
                  : "{\"return\": {}, \"id\": " + id + "}\r\n";
          out.write(reply.getBytes(StandardCharsets.UTF_8));
          if (!in.ready()) {
            out.flush();
          }
        }
      } catch (IOException e) {
        // next connection
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
