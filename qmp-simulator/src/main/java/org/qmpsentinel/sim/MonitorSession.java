package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One client connection to a simulated monitor, after newline framing: greeting, capabilities
 * negotiation (commands before it fail, events only go to negotiated clients, as in QEMU), then
 * {@link Commands}. Runs on the connection's event loop only. A SLOW VM's replies are sent after
 * the configured delay, in order; a SILENT VM never writes anything.
 */
final class MonitorSession extends SimpleChannelInboundHandler<ByteBuf> {
  private static final JsonMapper MAPPER = JsonMapper.shared();

  private final SimulatedVm vm;
  private final Replies replies;
  private final Commands commands;
  private final long replyDelayNanos;
  private boolean negotiated;

  MonitorSession(SimulatedVm vm, Replies replies, Commands commands, long slowDelayNanos) {
    this.vm = vm;
    this.replies = replies;
    this.commands = commands;
    this.replyDelayNanos = vm.behavior() == Behavior.SLOW ? slowDelayNanos : 0;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (vm.behavior() != Behavior.SILENT) {
      ByteBuf out = ctx.alloc().buffer(160);
      replies.greeting(out);
      ctx.writeAndFlush(out);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    vm.sessions().remove(ctx.channel());
    ctx.fireChannelInactive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
    if (vm.behavior() == Behavior.SILENT || !line.isReadable()) {
      return;
    }
    ByteBuf out = ctx.alloc().buffer(256);
    JsonNode message;
    try {
      message = MAPPER.readTree(ByteBufUtil.getBytes(line));
    } catch (JacksonException e) {
      replies.error(out, null, new Replies.QmpError("GenericError", "JSON parse error"));
      send(ctx, out);
      return;
    }
    JsonNode id = message.get("id");
    String command = command(message);
    if (command == null) {
      replies.error(
          out, id, new Replies.QmpError("GenericError", "QMP input lacks member 'execute'"));
    } else if (!negotiated) {
      if (command.equals("qmp_capabilities")) {
        negotiated = true;
        vm.sessions().add(ctx.channel());
        replies.empty(out, id);
      } else {
        replies.error(out, id, replies.beforeNegotiation);
      }
    } else if (command.equals("qmp_capabilities")) {
      replies.error(out, id, replies.negotiatedAgain);
    } else {
      commands.execute(vm, command, message.get("arguments"), id, out);
    }
    send(ctx, out);
  }

  private static @Nullable String command(JsonNode message) {
    String execute = message.path("execute").asString(null);
    return execute != null ? execute : message.path("exec-oob").asString(null);
  }

  private void send(ChannelHandlerContext ctx, ByteBuf out) {
    if (replyDelayNanos == 0) {
      ctx.writeAndFlush(out);
    } else {
      // Equal delays on one event loop run in submission order, so replies stay in order.
      ctx.executor().schedule(() -> ctx.writeAndFlush(out), replyDelayNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a broken client: QEMU drops the connection too
  }
}
