package org.qmpsentinel.qmp.internal.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.OutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Writes each outbound JSON tree as one line (QMP accepts any whitespace between messages). */
@Sharable
public final class JsonMessageEncoder extends MessageToByteEncoder<JsonNode> {
  public static final JsonMessageEncoder INSTANCE = new JsonMessageEncoder();
  private static final JsonMapper MAPPER = JsonMapper.shared();

  private JsonMessageEncoder() {
    super(JsonNode.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, JsonNode msg, ByteBuf out) {
    // Straight into the buffer: writeValueAsBytes would build a byte[] only to copy it.
    MAPPER.writeValue((OutputStream) new ByteBufOutputStream(out), msg);
    out.writeByte('\n');
  }
}
