package org.qmpsentinel.qmp.internal.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.qmpsentinel.qmp.QmpProtocolException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.async.ByteArrayFeeder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;

/**
 * Splits the inbound byte stream into JSON values with Jackson's non-blocking parser and fires one
 * {@link JsonNode} per top-level value. QMP separates messages with CRLF, but nothing here relies
 * on separators: values may be split at any byte, packed several to a read, or concatenated.
 *
 * <p>Limits: a message whose bytes exceed {@code maxMessageBytes}, whose nesting exceeds {@code
 * maxDepth} or whose values and member names exceed {@code maxTokens}, invalid JSON or invalid
 * UTF-8, or a stream that ends inside a message, raise {@link QmpProtocolException} through the
 * pipeline; the connection layer closes the channel. Input is fed to the parser as it arrives and
 * never accumulated here, so memory stays bounded by the token limit times the cost of a node, plus
 * string contents bounded by the byte limit, plus one read buffer.
 */
public final class JsonMessageDecoder extends ChannelInboundHandlerAdapter {
  private static final JsonFactory JSON = new JsonFactory();

  private final int maxMessageBytes;
  private final JsonParser parser;
  private final ByteArrayFeeder feeder;
  private final JsonTreeBuilder tree;
  private final Utf8Validator utf8 = new Utf8Validator();
  private byte[] scratch = new byte[0];
  private long bytesFed;
  private long messageStart; // byte offset where the message being parsed began
  private long lastMessageEnd; // byte offset just after the last complete message
  private boolean failed;

  /**
   * @param maxTokens the most JSON values and member names one message may hold
   */
  public JsonMessageDecoder(int maxMessageBytes, int maxDepth, int maxTokens) {
    this.maxMessageBytes = maxMessageBytes;
    this.parser = JSON.createNonBlockingByteArrayParser(ObjectReadContext.empty());
    this.feeder = (ByteArrayFeeder) parser.nonBlockingInputFeeder();
    this.tree = new JsonTreeBuilder(maxDepth, maxTokens);
  }

  /** The most tokens any one message has held in the tree builder (for tests of the limit). */
  int peakTokens() {
    return tree.peakTokens();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (!failed) {
        feed(ctx, buf);
      }
    } catch (QmpProtocolException e) {
      fail(ctx, e);
    } catch (JacksonException e) {
      fail(ctx, new QmpProtocolException("invalid JSON from peer: " + e.getOriginalMessage(), e));
    } finally {
      buf.release();
    }
  }

  private void feed(ChannelHandlerContext ctx, ByteBuf buf) {
    int length = buf.readableBytes();
    if (length == 0) {
      return;
    }
    byte[] bytes;
    int offset;
    if (buf.hasArray()) {
      bytes = buf.array();
      offset = buf.arrayOffset() + buf.readerIndex();
    } else {
      if (scratch.length < length) {
        scratch = new byte[Math.max(length, 8192)];
      }
      buf.getBytes(buf.readerIndex(), scratch, 0, length);
      bytes = scratch;
      offset = 0;
    }
    int bad = utf8.validate(bytes, offset, offset + length);
    int usable = bad < 0 ? length : bad - offset;
    if (usable > 0) {
      // Messages before an ill-formed byte are still delivered, as they would be without it.
      feeder.feedInput(bytes, offset, offset + usable);
      bytesFed += usable;
      drain(ctx);
    }
    if (bad >= 0) {
      if (failed || !ctx.channel().isActive()) {
        return;
      }
      throw new QmpProtocolException(
          String.format(
              "invalid UTF-8 from peer: byte 0x%02X at stream offset %d",
              bytes[bad] & 0xFF, bytesFed));
    }
    // The unfinished message (or the whitespace since the last one) so far.
    long pending = bytesFed - (tree.inMessage() ? messageStart : lastMessageEnd);
    if (pending > maxMessageBytes) {
      throw tooLarge();
    }
  }

  private QmpProtocolException tooLarge() {
    return new QmpProtocolException(
        "message larger than the limit of " + maxMessageBytes + " bytes");
  }

  /** Consumes every token the parser can produce from the input fed so far. */
  private void drain(ChannelHandlerContext ctx) {
    JsonToken token;
    while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
      if (!tree.inMessage()) {
        messageStart = parser.currentTokenLocation().getByteOffset();
      }
      JsonNode message = tree.accept(token, parser);
      if (message != null) {
        lastMessageEnd = parser.currentLocation().getByteOffset();
        if (lastMessageEnd - messageStart > maxMessageBytes) {
          throw tooLarge(); // a whole oversized message may arrive within one read
        }
        ctx.fireChannelRead(message);
        if (failed || !ctx.channel().isActive()) {
          return;
        }
      }
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (!failed) {
      try {
        feeder.endOfInput();
        drain(ctx);
        if (tree.inMessage()) {
          throw new QmpProtocolException("stream ended inside a message");
        }
      } catch (QmpProtocolException e) {
        fail(ctx, e);
      } catch (JacksonException e) {
        fail(ctx, new QmpProtocolException("stream ended inside a message", e));
      }
    }
    parser.close();
    super.channelInactive(ctx);
  }

  private void fail(ChannelHandlerContext ctx, QmpProtocolException e) {
    failed = true; // further input is discarded: the stream cannot be resynchronized
    tree.reset(); // and the partial tree is garbage now, even if the channel lingers
    ctx.fireExceptionCaught(e);
  }
}
