package org.qmpsentinel.agent.proxy;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.config.SentinelProperties.Proxy;
import org.qmpsentinel.agent.supervisor.SupervisorListener;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.agent.supervisor.VmSupervisor;
import org.qmpsentinel.hang.IntrusionPolicy;
import org.qmpsentinel.qmp.QmpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QMP safety proxy of every VM (see README, "QMP safety proxy"). It hears from supervisors like
 * any listener — a VM connected, lost its session, vanished — and serves each connected VM a socket
 * at {@code sentinel.proxy.path}. To forward, it uses what the VM's supervisor offers consumers
 * beside the API: the identified session and the VM's intrusion policy ({@link
 * VmSupervisor#admit}); it never reaches into the pipeline's state.
 */
public final class ProxyService implements SupervisorListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyService.class);

  private final Proxy settings;
  private final Function<String, Optional<VmSupervisor>> supervisors;
  private final ProxyMetrics metrics;
  private final CommandGate gate;
  private final @Nullable GroupPrincipal group;
  private final Map<String, VmProxy> proxies = new ConcurrentHashMap<>();
  private final Map<Path, String> paths = new ConcurrentHashMap<>();
  private final @Nullable ProxyTransport transport;

  /**
   * @param supervisors finds a VM's supervisor by its agent key
   * @throws IllegalArgumentException naming {@code sentinel.proxy.group} if it does not exist
   */
  public ProxyService(
      Proxy settings, Function<String, Optional<VmSupervisor>> supervisors, ProxyMetrics metrics) {
    this.settings = settings;
    this.supervisors = supervisors;
    this.metrics = metrics;
    this.gate = new CommandGate(IntrusionPolicy.qemu72(), settings.denyCommands());
    this.group = settings.enabled() ? lookupGroup(settings.group()) : null;
    this.transport = settings.enabled() ? new ProxyTransport() : null;
  }

  private static @Nullable GroupPrincipal lookupGroup(@Nullable String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    try {
      return FileSystems.getDefault()
          .getUserPrincipalLookupService()
          .lookupPrincipalByGroupName(name);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "sentinel.proxy.group: no group '" + name + "' on this host", e);
    }
  }

  public boolean enabled() {
    return transport != null;
  }

  /** Every VM's proxy and its clients, by VM name. */
  public List<ProxyInfo> proxies() {
    return proxies.values().stream()
        .map(VmProxy::info)
        .sorted(Comparator.comparing(ProxyInfo::vm))
        .toList();
  }

  @Override
  public void onConnectionChange(VmSnapshot vm, boolean connected) {
    if (transport == null) {
      return;
    }
    if (!connected) {
      VmProxy p = proxies.get(vm.key());
      if (p != null) {
        p.upstreamLost();
      }
      return;
    }
    Optional<QmpConnection> session = supervisors.apply(vm.key()).flatMap(VmSupervisor::upstream);
    if (session.isEmpty()) {
      return; // lost again already; the next connection tells us
    }
    VmProxy p = proxies.get(vm.key());
    if (p == null) {
      p = open(vm, session.get());
      if (p == null) {
        return;
      }
    }
    p.upstreamConnected(session.get());
  }

  private @Nullable VmProxy open(VmSnapshot vm, QmpConnection session) {
    ProxyTransport t = java.util.Objects.requireNonNull(transport);
    VmSupervisor supervisor = supervisors.apply(vm.key()).orElse(null);
    if (supervisor == null) {
      return null;
    }
    Path path = ProxySocketFile.path(settings.path(), vm.name());
    String owner = paths.putIfAbsent(path, vm.key());
    if (owner != null && !owner.equals(vm.key())) {
      log.warn("{}: no proxy socket: {} is already the proxy of {}", vm.name(), path, owner);
      return null;
    }
    try {
      // A few quick syscalls on the VM's pipeline (like its procfs reads), never on an event loop.
      ProxySocketFile.prepare(path);
    } catch (IOException e) {
      log.warn("{}: no proxy socket: {}", vm.name(), e.getMessage());
      paths.remove(path, vm.key());
      return null;
    }
    VmProxy p = new VmProxy(vm.key(), vm.name(), path, settings, supervisor, gate, metrics);
    proxies.put(vm.key(), p);
    // Clients on the session's own event loop: no thread crossing per command. After a reconnect
    // the new session may live on another loop; new clients then pay the crossing, nothing worse.
    t.bind(path, p.childHandler(), session.eventLoop())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.warn("{}: no proxy socket at {}: {}", vm.name(), path, f.cause().toString());
                return;
              }
              io.netty.channel.Channel server = ((io.netty.channel.ChannelFuture) f).channel();
              try {
                ProxySocketFile.protect(path, group);
              } catch (IOException e) {
                log.warn(
                    "{}: proxy socket {} closed: cannot set its mode/group: {}",
                    vm.name(),
                    path,
                    e.toString());
                server.close();
                return;
              }
              p.listening(server);
              log.info("{}: proxy socket {} ({} mode)", vm.name(), path, p.info().mode());
            });
    return p;
  }

  @Override
  public void onVanished(String key) {
    VmProxy p = proxies.remove(key);
    if (p != null) {
      p.close();
      paths.values().remove(key);
    }
  }

  @Override
  public void close() {
    proxies.values().forEach(VmProxy::close);
    proxies.clear();
    if (transport != null) {
      transport.close();
    }
  }
}
