package org.qmpsentinel.agent.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties.Proxy;
import org.qmpsentinel.agent.config.SentinelProperties.ProxyMode;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.Intrusion;
import org.qmpsentinel.hang.IntrusionDecision;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.QmpException;
import org.qmpsentinel.qmp.QmpRawReply;
import org.qmpsentinel.qmp.QmpSubscription;
import org.qmpsentinel.qmp.QmpWire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One VM's proxy: its socket, its clients, and the agent's session to the VM that they share. The
 * session comes and goes with the supervisor's connection: while it is down, clients are closed and
 * new ones are closed at once; the socket stays until the VM vanishes.
 */
final class VmProxy {
  private static final Logger log = LoggerFactory.getLogger(ProxyService.class);

  /** Clients are held to exactly what the agent holds QEMU to. */
  private static final QmpClientOptions LIMITS = QmpClientOptions.defaults();

  private final String key;
  private final String name;
  private final Path path;
  private final Proxy settings;
  private final ProxyMode mode;
  private final VmSupervisor supervisor;
  private final CommandGate gate;
  private final ProxyMetrics metrics;
  private final Set<ProxyClient> clients = ConcurrentHashMap.newKeySet();
  private final Runnable removeGauge;
  private volatile @Nullable QmpConnection upstream;
  private volatile @Nullable ObjectNode greeting;
  private volatile @Nullable QmpSubscription events;
  private volatile @Nullable Channel server;
  private volatile boolean closed;

  VmProxy(
      String key,
      String name,
      Path path,
      Proxy settings,
      VmSupervisor supervisor,
      CommandGate gate,
      ProxyMetrics metrics) {
    this.key = key;
    this.name = name;
    this.path = path;
    this.settings = settings;
    this.mode = settings.modeFor(name);
    this.supervisor = supervisor;
    this.gate = gate;
    this.metrics = metrics;
    this.removeGauge = metrics.clientsGauge(name, clients::size);
  }

  /** Accepted clients: the client library's wire limits, then the client's own session. */
  ChannelInitializer<Channel> childHandler() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline()
            .addLast("decoder", QmpWire.decoder(LIMITS))
            .addLast("encoder", QmpWire.encoder())
            .addLast("client", new ProxyClient(VmProxy.this));
      }
    };
  }

  void listening(Channel serverChannel) {
    server = serverChannel;
    if (closed) {
      serverChannel.close();
    }
  }

  /** The supervisor identified a (new) session: serve it. */
  void upstreamConnected(QmpConnection connection) {
    if (upstream == connection) {
      return;
    }
    upstreamLost();
    greeting = offered(connection);
    upstream = connection;
    events = connection.subscribe(e -> true, this::fanOut, Runnable::run);
  }

  /**
   * QEMU's greeting as it sent it, except that {@code oob} is offered only when the agent's session
   * has it: a client (qemu.qmp, for one) enables every capability it is offered.
   */
  private static ObjectNode offered(QmpConnection connection) {
    ObjectNode greeting = connection.greetingMessage();
    if (!connection.oobEnabled()
        && greeting.path("QMP").path("capabilities") instanceof ArrayNode capabilities) {
      for (int i = capabilities.size() - 1; i >= 0; i--) {
        if ("oob".equals(capabilities.get(i).asString(""))) {
          capabilities.remove(i);
        }
      }
    }
    return greeting;
  }

  /** The session is gone: every client gets a clean close; new ones wait for the next session. */
  void upstreamLost() {
    QmpSubscription s = events;
    if (s != null) {
      s.cancel();
    }
    events = null;
    upstream = null;
    greeting = null;
    clients.forEach(ProxyClient::upstreamLost);
  }

  /** The VM vanished: the socket goes too. */
  void close() {
    closed = true;
    upstreamLost();
    Channel s = server;
    if (s != null) {
      s.close();
    }
    ProxySocketFile.removeQuietly(path);
    removeGauge.run();
  }

  /** On the upstream's event loop: the event in QEMU's wire form, once, to every client. */
  private void fanOut(QmpEvent event) {
    if (clients.isEmpty()) {
      return;
    }
    ObjectNode wire = JsonNodeFactory.instance.objectNode();
    ObjectNode ts = wire.putObject("timestamp");
    long micros = event.timestamp().getNano() / 1000;
    ts.put("seconds", event.timestamp().getEpochSecond());
    ts.put("microseconds", micros);
    wire.put("event", event.name());
    // qmp-client gives an event without data an empty object; QEMU sends no member then.
    if (!(event.data().isObject() && event.data().isEmpty())) {
      wire.set("data", event.data());
    }
    byte[] line = JsonMapper.shared().writeValueAsBytes(wire);
    ByteBuf bytes = Unpooled.wrappedBuffer(line, new byte[] {'\r', '\n'});
    try {
      clients.forEach(c -> c.offerEvent(bytes));
    } finally {
      bytes.release();
    }
  }

  // What clients use.

  String name() {
    return name;
  }

  Proxy settings() {
    return settings;
  }

  CommandGate gate() {
    return gate;
  }

  ProxyMetrics metrics() {
    return metrics;
  }

  @Nullable ObjectNode greeting() {
    return greeting;
  }

  boolean upstreamOob() {
    QmpConnection c = upstream;
    return c != null && c.oobEnabled();
  }

  boolean deferring() {
    return mode == ProxyMode.DEFER;
  }

  /** From the published snapshot: no call into the VM's pipeline. */
  boolean steady() {
    return supervisor.snapshot().phase() == Phase.STEADY;
  }

  CompletableFuture<IntrusionDecision> admit(Intrusion intrusion) {
    return supervisor.admit(intrusion);
  }

  boolean clientCame(ProxyClient client) {
    if (closed || upstream == null) {
      return false;
    }
    if (clients.size() >= settings.maxClients()) {
      log.warn(
          "{}: proxy client refused: already {} clients (sentinel.proxy.max-clients)",
          name,
          settings.maxClients());
      metrics.disconnected("too_many_clients");
      return false;
    }
    clients.add(client);
    return true;
  }

  void clientGone(ProxyClient client) {
    clients.remove(client);
  }

  /**
   * Sends a client's command over the agent's session. {@code release} runs as soon as the outcome
   * is known; {@code reply} gets QEMU's reply or a GenericError that says why there is none.
   */
  void forward(ObjectNode command, Runnable release, Consumer<ObjectNode> reply) {
    QmpConnection c = upstream;
    if (c == null) {
      release.run();
      reply.accept(
          QmpReplies.genericError("qmp-sentinel proxy: the VM's monitor is not connected"));
      return;
    }
    c.forward(
        command,
        settings.commandTimeout(),
        new QmpRawReply() {
          @Override
          public void onReply(ObjectNode answer) {
            release.run();
            reply.accept(answer);
          }

          @Override
          public void onFailure(QmpException error) {
            release.run();
            reply.accept(
                QmpReplies.genericError(
                    "qmp-sentinel proxy: no reply from QEMU: " + error.getMessage()));
          }
        });
  }

  ProxyInfo info() {
    List<ClientInfo> list = clients.stream().map(ProxyClient::info).toList();
    return new ProxyInfo(
        name,
        key,
        path.toString(),
        mode.name().toLowerCase(java.util.Locale.ROOT),
        upstream != null,
        list);
  }
}
