package org.qmpsentinel.agent.alert;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 POST on its own connection, returning the status. Not the JDK's HttpClient, because
 * it hides the socket: a webhook on 127.0.0.1 at a port in the ephemeral range with nothing
 * listening can be "connected" to itself (TCP simultaneous open — the kernel picked the target port
 * as the source port), and HttpClient then sent the request to itself, read it back as the answer
 * and kept the connection, holding the receiver's port for minutes so the receiver could not
 * restart (docs/reliability.md, fault 11). Here the socket is checked right after connecting and
 * such a connection is closed and reported as refused. One request per connection ({@code
 * Connection: close}): alerts are rare and a pool would only hold sockets open; no {@code Upgrade:
 * h2c} either.
 */
final class HttpPost {
  private static final int MAX_LINE = 8192;

  private HttpPost() {}

  static int post(URI uri, Map<String, String> headers, byte[] body, Duration timeout)
      throws IOException {
    return post(uri, headers, body, timeout, null);
  }

  /**
   * @param localBind where to bind the client socket; null lets the kernel choose (production).
   *     Tests bind to the target's port to make the kernel produce the self-connection on demand.
   */
  static int post(
      URI uri,
      Map<String, String> headers,
      byte[] body,
      Duration timeout,
      @Nullable InetSocketAddress localBind)
      throws IOException {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    if (host == null) {
      throw new IOException("no host in " + uri);
    }
    int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
    String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket =
        connect(new InetSocketAddress(bareHost, port), remaining(deadline), localBind)) {
      Socket s = tls ? tls(socket, bareHost, port, deadline) : socket;
      OutputStream out = s.getOutputStream();
      out.write(head(uri, host, headers, body.length).getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return status(new BufferedInputStream(s.getInputStream()), s, deadline);
    }
  }

  /** Connects, refusing a connection of the socket to itself. */
  static Socket connect(
      InetSocketAddress target, int timeoutMillis, @Nullable InetSocketAddress localBind)
      throws IOException {
    if (target.isUnresolved()) {
      throw new ConnectException("cannot resolve " + target.getHostString());
    }
    Socket socket = new Socket();
    try {
      if (localBind != null) {
        socket.setReuseAddress(true);
        socket.bind(localBind);
      }
      socket.connect(target, timeoutMillis);
      if (socket.getLocalPort() == socket.getPort()
          && socket.getLocalAddress().equals(socket.getInetAddress())) {
        // Nothing listens there and the kernel chose the target port as our source port: we are
        // talking to ourselves. Reset, not close: a normal close would leave the port in
        // TIME_WAIT for a minute, and the receiver could not bind it meanwhile.
        socket.setSoLinger(true, 0);
        throw new ConnectException("connection refused: " + target + " (connected to itself)");
      }
      socket.setTcpNoDelay(true);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static Socket tls(Socket plain, String host, int port, long deadline) throws IOException {
    SSLSocket ssl =
        (SSLSocket)
            ((SSLSocketFactory) SSLSocketFactory.getDefault())
                .createSocket(plain, host, port, true);
    SSLParameters parameters = ssl.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS"); // verify the certificate's host name
    ssl.setSSLParameters(parameters);
    ssl.setSoTimeout(remaining(deadline));
    ssl.startHandshake();
    return ssl;
  }

  private static String head(URI uri, String host, Map<String, String> headers, int length) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    StringBuilder h = new StringBuilder();
    h.append("POST ").append(path).append(" HTTP/1.1\r\n");
    h.append("Host: ")
        .append(host)
        .append(uri.getPort() != -1 ? ":" + uri.getPort() : "")
        .append("\r\n");
    h.append("User-Agent: qmp-sentinel\r\n");
    h.append("Connection: close\r\n");
    h.append("Content-Length: ").append(length).append("\r\n");
    headers.forEach(
        (k, v) -> {
          if ((k + v).indexOf('\r') >= 0 || (k + v).indexOf('\n') >= 0) {
            throw new IllegalArgumentException("line break in header " + k);
          }
          h.append(k).append(": ").append(v).append("\r\n");
        });
    return h.append("\r\n").toString();
  }

  /** The final status (1xx interim responses skipped); the body is not read. */
  private static int status(InputStream in, Socket s, long deadline) throws IOException {
    while (true) {
      s.setSoTimeout(remaining(deadline));
      String line = line(in);
      String[] parts = line.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.x status line: " + line);
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("bad status in: " + line);
      }
      if (status >= 200 || status < 100) {
        return status;
      }
      while (!line(in).isEmpty()) {
        s.setSoTimeout(remaining(deadline)); // skip the interim response's headers
      }
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed before the response");
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("response line longer than " + MAX_LINE);
      }
      line.write(b);
    }
    String s = line.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private static int remaining(long deadline) throws SocketTimeoutException {
    long ms = (deadline - System.nanoTime()) / 1_000_000;
    if (ms <= 0) {
      throw new SocketTimeoutException("webhook request timed out");
    }
    return (int) Math.min(ms, Integer.MAX_VALUE);
  }
}
