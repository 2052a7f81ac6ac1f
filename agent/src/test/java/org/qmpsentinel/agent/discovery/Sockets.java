package org.qmpsentinel.agent.discovery;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real listening unix sockets for discovery tests; closed by {@link #close()}. */
final class Sockets implements AutoCloseable {
  private final List<ServerSocketChannel> open = new ArrayList<>();

  /** A listening socket at {@code path} (directories created), owned by the test's user. */
  Path listen(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    open.add(server);
    return path;
  }

  /** Changes the socket's owner and group: needs root, as the build's machines run tests. */
  static Path chown(Path path, int uid, int gid) throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
    Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    return path;
  }

  @Override
  public void close() throws IOException {
    for (ServerSocketChannel s : open) {
      s.close();
    }
  }
}
