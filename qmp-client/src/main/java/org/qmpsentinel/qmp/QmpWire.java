package org.qmpsentinel.qmp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.util.Optional;
import org.qmpsentinel.qmp.internal.codec.JsonMessageDecoder;
import org.qmpsentinel.qmp.internal.codec.JsonMessageEncoder;
import org.qmpsentinel.qmp.internal.transport.Transport;

/**
 * The client's wire handlers for the other side of a QMP socket — a server or proxy built on Netty
 * that wants its peers held to exactly the limits this client holds QEMU to.
 */
public final class QmpWire {
  private QmpWire() {}

  /**
   * A fresh decoder (one per channel) that fires one {@code JsonNode} per JSON value and raises
   * {@link QmpProtocolException} for invalid JSON or UTF-8, a message over {@link
   * QmpClientOptions#maxMessageBytes()}, nesting over {@link QmpClientOptions#maxNestingDepth()} or
   * more than {@link QmpClientOptions#maxTokensPerMessage()} tokens.
   */
  public static ChannelHandler decoder(QmpClientOptions limits) {
    return new JsonMessageDecoder(
        limits.maxMessageBytes(), limits.maxNestingDepth(), limits.maxTokensPerMessage());
  }

  /** The shared encoder: each outbound {@code JsonNode} as one line. */
  public static ChannelHandler encoder() {
    return JsonMessageEncoder.INSTANCE;
  }

  /** {@code SO_PEERCRED} of a connected epoll unix-socket channel; empty otherwise. */
  public static Optional<PeerCredentials> peerCredentials(Channel channel) {
    return Transport.peerCredentials(channel);
  }
}
