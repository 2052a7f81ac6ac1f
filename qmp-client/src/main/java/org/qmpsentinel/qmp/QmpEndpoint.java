package org.qmpsentinel.qmp;

import java.nio.file.Path;
import java.util.Objects;

/** Where a QMP server listens: a unix domain socket path or a TCP host and port. */
public sealed interface QmpEndpoint {

  /** A QMP server on a unix domain socket, as started by {@code -qmp unix:PATH,server}. */
  record Unix(Path path) implements QmpEndpoint {
    public Unix {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /** A QMP server on TCP, as started by {@code -qmp tcp:HOST:PORT,server}. */
  record Tcp(String host, int port) implements QmpEndpoint {
    public Tcp {
      Objects.requireNonNull(host, "host");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
    }

    @Override
    public String toString() {
      return "tcp:" + host + ":" + port;
    }
  }

  static QmpEndpoint unix(Path path) {
    return new Unix(path);
  }

  static QmpEndpoint tcp(String host, int port) {
    return new Tcp(host, port);
  }

  /**
   * Parses {@code unix:/path}, a bare absolute path, {@code tcp:host:port} or {@code host:port}
   * (IPv6 hosts in brackets).
   *
   * @throws IllegalArgumentException with a message naming the text when it is none of those
   */
  static QmpEndpoint parse(String text) {
    String t = text == null ? "" : text.trim();
    if (t.startsWith("unix:")) {
      t = t.substring("unix:".length());
      if (t.isEmpty()) {
        throw new IllegalArgumentException("empty unix socket path in '" + text + "'");
      }
      return new Unix(Path.of(t));
    }
    if (t.startsWith("/")) {
      return new Unix(Path.of(t));
    }
    if (t.startsWith("tcp:")) {
      t = t.substring("tcp:".length());
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1) {
      throw new IllegalArgumentException(
          "not a QMP endpoint: '" + text + "' (expected unix:/path, /path, or host:port)");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new Tcp(host, Integer.parseInt(t.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in QMP endpoint '" + text + "'", e);
    }
  }
}
