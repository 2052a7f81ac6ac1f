package org.qmpsentinel.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.config.SentinelProperties.ProxyMode;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.hang.Phase;
import org.qmpsentinel.qmp.QmpClient;
import org.qmpsentinel.qmp.QmpClientOptions;
import org.qmpsentinel.qmp.QmpCommand;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.qmpsentinel.qmp.QmpErrorException;
import org.qmpsentinel.qmp.QmpEvent;
import org.qmpsentinel.qmp.RunState;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The QMP safety proxy against real QEMU: the agent's pipeline and proxy (as the daemon wires
 * them), a plain socket client (a short Python script, as an existing tool would be) and the
 * project's own QmpClient as the proxy's clients.
 */
class ProxyIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final JsonMapper JSON = JsonMapper.shared();

  private Path work;
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final QmpClient tools = QmpClient.create();

  @BeforeEach
  void dirs() throws IOException {
    work = Files.createTempDirectory("proxy-it");
  }

  @AfterEach
  void close() throws Exception {
    List<AutoCloseable> newestFirst = new ArrayList<>(cleanup);
    java.util.Collections.reverse(newestFirst);
    for (AutoCloseable c : newestFirst) {
      c.close();
    }
    tools.close();
  }

  private QemuVm qemu(String name, String... extra) throws IOException {
    QemuVm vm = QemuVm.start(name, 2, work.resolve("qemu"), List.of(extra));
    cleanup.add(vm);
    return vm;
  }

  private ProxyAgent agent(ProxyMode mode, Duration deferTimeout, List<String> deny) {
    ProxyAgent a =
        new ProxyAgent(
            ProxyAgent.settings(work.resolve("proxy"), mode, deferTimeout, deny),
            Duration.ofSeconds(1));
    cleanup.add(a);
    return a;
  }

  private ProxyAgent agent() {
    return agent(ProxyMode.DENY, Duration.ofSeconds(30), List.of());
  }

  /** Watches the VM and waits until its proxy serves (the socket exists, the session is up). */
  private Path proxied(ProxyAgent agent, QemuVm vm) {
    agent.watch(vm.name(), vm.socket());
    Path socket = work.resolve("proxy").resolve(vm.name() + ".qmp");
    await("the proxy of " + vm.name())
        .atMost(WAIT)
        .until(
            () ->
                Files.exists(socket)
                    && agent.proxy.proxies().stream()
                        .anyMatch(p -> p.vm().equals(vm.name()) && p.upstreamConnected()));
    return socket;
  }

  private QmpConnection connect(Path socket, QmpClientOptions options) throws Exception {
    QmpConnection c = tools.connect(QmpEndpoint.unix(socket), options).get(10, TimeUnit.SECONDS);
    cleanup.add(c);
    return c;
  }

  private QmpConnection connect(Path socket) throws Exception {
    return connect(socket, tools.defaultOptions());
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static List<JsonNode> plainClient(Path socket, String... commands) throws Exception {
    Path script = Path.of(ProxyIT.class.getResource("/proxy/plain-qmp-client.py").toURI());
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), socket.toString()));
    cmd.addAll(List.of(commands));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  void aPlainSocketClientNegotiatesAndEveryCommandIsAnsweredInOrderByPolicy() throws Exception {
    QemuVm vm = qemu("plain", "-S"); // paused before the first instruction: STARTUP throughout
    ProxyAgent agent = agent();
    Path socket = proxied(agent, vm);

    List<JsonNode> out =
        plainClient(
            socket,
            "{\"execute\":\"query-status\",\"id\":\"early\"}",
            "{\"execute\":\"qmp_capabilities\",\"id\":\"caps\"}",
            "{\"execute\":\"qmp_capabilities\",\"id\":\"caps-again\"}",
            "{\"execute\":\"query-status\",\"id\":\"status\"}",
            "{\"execute\":\"human-monitor-command\",\"arguments\":"
                + "{\"command-line\":\"info registers -a\"},\"id\":\"all-regs\"}",
            "{\"execute\":\"human-monitor-command\",\"arguments\":"
                + "{\"command-line\":\"info registers\",\"cpu-index\":0},\"id\":\"bsp-regs\"}",
            "{\"execute\":\"query-name\",\"id\":{\"any\":[\"json\",1]}}",
            "[1, 2]");

    JsonNode upstreamGreeting =
        ((org.qmpsentinel.agent.supervisor.VmSupervisor) agent.registry.find("plain").orElseThrow())
            .upstream()
            .orElseThrow()
            .greetingMessage();
    assertThat(out.get(0)).isEqualTo(upstreamGreeting);
    assertThat(out.get(0).path("QMP").path("version").path("qemu").path("major").asInt())
        .isEqualTo(7);
    List<JsonNode> replies = out.subList(1, out.size());
    assertThat(replies).hasSize(8);
    assertThat(replies.get(0).path("id").asString()).isEqualTo("early");
    assertThat(replies.get(0).path("error").path("class").asString()).isEqualTo("CommandNotFound");
    assertThat(replies.get(1)).isEqualTo(JSON.readTree("{\"return\":{},\"id\":\"caps\"}"));
    assertThat(replies.get(2).path("error").path("desc").asString())
        .contains("negotiation is already complete");
    assertThat(replies.get(3).path("id").asString()).isEqualTo("status");
    assertThat(replies.get(3).path("return").path("status").asString()).isEqualTo("prelaunch");
    JsonNode denied = replies.get(4);
    assertThat(denied.path("id").asString()).isEqualTo("all-regs");
    assertThat(denied.path("error").path("class").asString()).isEqualTo("GenericError");
    assertThat(denied.path("error").path("desc").asString())
        .contains("info registers -a")
        .contains("STARTUP")
        .contains("allowed once the VM is STEADY");
    assertThat(replies.get(5).path("id").asString()).isEqualTo("bsp-regs");
    assertThat(replies.get(5).path("return").asString()).contains("EIP=");
    assertThat(replies.get(6).path("id")).isEqualTo(JSON.readTree("{\"any\":[\"json\",1]}"));
    assertThat(replies.get(6).path("return").path("name").asString()).isEqualTo("plain");
    assertThat(replies.get(7).has("id")).isFalse();
    assertThat(replies.get(7).path("error").path("desc").asString()).contains("JSON object");

    assertThat(agent.counter("denied", "startup_ap_sync")).isEqualTo(1.0);
    assertThat(agent.counter("forwarded", "bsp_only")).isEqualTo(1.0);
    assertThat(vm.pid()).isPositive(); // QEMU alive; the agent still polls it
    await().atMost(WAIT).until(() -> agent.snapshot("plain").connected());
  }

  @Test
  void theProjectsOwnClientRunsEveryTypedCommandAndGetsEventsAndOob() throws Exception {
    QemuVm vm = qemu("typed", "-S");
    ProxyAgent agent = agent();
    Path socket = proxied(agent, vm);
    QmpConnection qmp = connect(socket, tools.defaultOptions().withRequestOob(true));
    List<QmpEvent> events = new CopyOnWriteArrayList<>();
    qmp.subscribe(e -> true, events::add);

    assertThat(qmp.greeting().version().major()).isEqualTo(7);
    assertThat(qmp.oobEnabled()).isTrue();
    assertThat(get(qmp.execute(QmpCommands.queryVersion())).major()).isEqualTo(7);
    assertThat(get(qmp.execute(QmpCommands.queryStatus())).status()).isEqualTo(RunState.PRELAUNCH);
    assertThat(get(qmp.execute(QmpCommands.queryName()))).contains("typed");
    assertThat(get(qmp.execute(QmpCommands.queryUuid()))).isNotNull();
    assertThat(get(qmp.execute(QmpCommands.queryKvm())).present()).isIn(true, false);
    assertThat(get(qmp.execute(QmpCommands.queryCpusFast()))).hasSize(2);
    assertThat(get(qmp.execute(QmpCommands.queryCommands()))).contains("query-status");
    assertThat(get(qmp.execute(QmpCommands.queryQmpSchema())).isArray()).isTrue();
    assertThat(
            get(qmp.execute(QmpCommands.humanMonitorCommand("info status", OptionalInt.empty()))))
        .contains("prelaunch");
    get(qmp.execute(QmpCommands.cont()));
    await("RESUME through the proxy")
        .atMost(WAIT)
        .until(() -> events.stream().anyMatch(e -> e.name().equals("RESUME")));
    await("STEADY").atMost(WAIT).until(() -> agent.snapshot("typed").phase() == Phase.STEADY);
    if (get(qmp.execute(QmpCommands.queryKvm())).enabled()) {
      assertThat(get(qmp.execute(QmpCommands.queryVcpuStats()))).hasSize(2);
    }
    get(qmp.execute(QmpCommands.injectNmi()));
    get(qmp.execute(QmpCommands.stop()));
    get(qmp.execute(QmpCommands.systemReset()));
    await("STOP and RESET through the proxy")
        .atMost(WAIT)
        .until(
            () ->
                events.stream().anyMatch(e -> e.name().equals("STOP"))
                    && events.stream().anyMatch(e -> e.name().equals("RESET")));
    // Out of band: yank (allow-oob in QEMU 7.2) with no instances, past any in-band command.
    // RESET made the VM start again, and yank is not in the policy's table: STARTUP denies it.
    QmpCommand<JsonNode> yank =
        QmpCommand.raw("yank", JSON.readTree("{\"instances\":[]}")).withOob(true);
    assertThat(qmp.execute(yank))
        .failsWithin(WAIT)
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(QmpErrorException.class)
        .withMessageContaining("STARTUP");
    get(qmp.execute(QmpCommands.cont()));
    await("STEADY again").atMost(WAIT).until(() -> agent.snapshot("typed").phase() == Phase.STEADY);
    assertThat(get(qmp.execute(yank)).isObject()).isTrue();
    assertThat(agent.proxy.proxies().get(0).clients())
        .singleElement()
        .satisfies(c -> assertThat(c.oob()).isTrue())
        .satisfies(c -> assertThat(c.pid()).isEqualTo(ProcessHandle.current().pid()));
  }

  @Test
  void withoutOobOnTheAgentsSessionTheGreetingOffersNoOob() throws Exception {
    QemuVm vm = qemu("no-oob", "-S");
    ProxyAgent agent =
        new ProxyAgent(
            ProxyAgent.settings(
                work.resolve("proxy"), ProxyMode.DENY, Duration.ofSeconds(30), List.of()),
            Duration.ofSeconds(1),
            false);
    cleanup.add(agent);
    Path socket = proxied(agent, vm);
    QmpConnection tool = connect(socket, tools.defaultOptions().withRequestOob(true));
    assertThat(tool.greeting().capabilities()).doesNotContain("oob");
    assertThat(tool.oobEnabled()).isFalse();
    List<JsonNode> out =
        plainClient(
            socket,
            "{\"execute\":\"qmp_capabilities\",\"arguments\":{\"enable\":[\"oob\"]},\"id\":1}");
    assertThat(out.get(1).path("error").path("desc").asString())
        .isEqualTo("Capability 'oob' not available");
  }

  @Test
  void twoClientsPipelineInterleavedCommandsAndEachGetsItsOwnReplies() throws Exception {
    QemuVm vm = qemu("pair", "-S");
    ProxyAgent agent = agent();
    Path socket = proxied(agent, vm);
    QmpConnection a = connect(socket);
    QmpConnection b = connect(socket);
    List<CompletableFuture<?>> all = new ArrayList<>();
    List<CompletableFuture<String>> hmpA = new ArrayList<>();
    List<CompletableFuture<String>> hmpB = new ArrayList<>();
    List<CompletableFuture<java.util.Optional<String>>> names = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      // HMP print without registers: harmless by the policy, and its output names the command.
      hmpA.add(a.execute(QmpCommands.humanMonitorCommand("print " + i, OptionalInt.empty())));
      hmpB.add(
          b.execute(QmpCommands.humanMonitorCommand("print " + (1000 + i), OptionalInt.empty())));
      names.add(b.execute(QmpCommands.queryName()));
      all.add(a.execute(QmpCommands.queryStatus()));
    }
    all.addAll(hmpB);
    all.addAll(hmpA);
    all.addAll(names);
    get(CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)));
    for (int i = 0; i < 300; i++) {
      // HMP print answers in hex (0 as "0").
      assertThat(Long.decode(hmpA.get(i).join().strip())).isEqualTo(i);
      assertThat(Long.decode(hmpB.get(i).join().strip())).isEqualTo(1000 + i);
      assertThat(names.get(i).join()).contains("pair");
    }
    assertThat(agent.proxy.proxies().get(0).clients()).hasSize(2);
  }

  @Test
  void aFloodingClientNeverDelaysAnotherClientOrTheAgentsPolling() throws Exception {
    QemuVm vm = qemu("flood", "-S");
    ProxyAgent agent = agent();
    Path socket = proxied(agent, vm);
    Instant before = agent.snapshot("flood").lastPoll();
    try (SocketChannel flooder = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      flooder.configureBlocking(false);
      byte[] caps = "{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8);
      byte[] status = "{\"execute\":\"query-status\"}\n".getBytes(StandardCharsets.UTF_8);
      flooder.write(ByteBuffer.wrap(caps));
      // Writes without ever reading, until the proxy stops reading it and the socket is full.
      long written = 0;
      int stalls = 0;
      while (stalls < 50) {
        int n = flooder.write(ByteBuffer.wrap(status));
        written += n;
        stalls = n == 0 ? stalls + 1 : 0;
        if (n == 0) {
          Thread.onSpinWait();
        }
      }
      assertThat(written).isGreaterThan(status.length * 100L);
      QmpConnection other = connect(socket);
      for (int i = 0; i < 100; i++) {
        assertThat(get(other.execute(QmpCommands.queryStatus())).status())
            .isEqualTo(RunState.PRELAUNCH);
      }
      await("the agent's next poll during the flood")
          .atMost(WAIT)
          .until(() -> agent.snapshot("flood").lastPoll().isAfter(before));
      assertThat(agent.snapshot("flood").connected()).isTrue();
      assertThat(agent.proxy.proxies().get(0).clients()).hasSize(2);
    }
    await("the flooder gone")
        .atMost(WAIT)
        .until(() -> agent.proxy.proxies().get(0).clients().size() == 1);
  }

  @Test
  void aClientThatReadsNoEventsIsDisconnectedAndTheOthersGetEveryEvent() throws Exception {
    QemuVm vm = qemu("slow", "-S");
    ProxyAgent agent =
        new ProxyAgent(
            ProxyAgent.settings(
                work.resolve("proxy"), ProxyMode.DENY, Duration.ofSeconds(30), List.of(), 8),
            Duration.ofSeconds(1));
    cleanup.add(agent);
    Path socket = proxied(agent, vm);
    QmpConnection active = connect(socket);
    List<QmpEvent> seen = new CopyOnWriteArrayList<>();
    active.subscribe(e -> e.name().equals("STOP") || e.name().equals("RESUME"), seen::add);
    try (SocketChannel slow = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      slow.write(
          ByteBuffer.wrap("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8)));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  agent.proxy.proxies().get(0).clients().stream().allMatch(ClientInfo::negotiated));
      // Never reads: its socket fills with events, then 8 more wait in the proxy, then it is cut.
      int pairs = 0;
      while (agent.meters.find("qmp.sentinel.proxy.client.disconnects").counter() == null
          && pairs < 5000) {
        get(active.execute(QmpCommands.stop()));
        get(active.execute(QmpCommands.cont()));
        pairs++;
      }
      assertThat(
              agent
                  .meters
                  .find("qmp.sentinel.proxy.client.disconnects")
                  .tag("reason", "slow")
                  .counter()
                  .count())
          .isEqualTo(1.0);
      int sent = pairs;
      await("every event to the client that reads")
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(seen.stream().map(QmpEvent::name).toList())
                      .as("events after %d stop/cont pairs", sent)
                      // The first stop finds the VM not running (prelaunch): QEMU sends no STOP.
                      .hasSize(2 * sent - 1));
      assertThat(agent.proxy.proxies().get(0).clients()).hasSize(1);
      assertThat(agent.snapshot("slow").connected()).isTrue();
    }
  }

  @Test
  void aClientThatLeavesMidCommandDisturbsNobody() throws Exception {
    QemuVm vm = qemu("leaver", "-S");
    ProxyAgent agent = agent(ProxyMode.DEFER, Duration.ofSeconds(30), List.of());
    Path socket = proxied(agent, vm);
    QmpConnection stays = connect(socket);
    try (SocketChannel leaver = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      String commands =
          "{\"execute\":\"qmp_capabilities\"}\n"
              + "{\"execute\":\"query-status\",\"id\":1}\n".repeat(50)
              // Held (defer mode, STARTUP) when the client leaves.
              + "{\"execute\":\"human-monitor-command\",\"arguments\":"
              + "{\"command-line\":\"info registers -a\"},\"id\":2}\n";
      leaver.write(ByteBuffer.wrap(commands.getBytes(StandardCharsets.UTF_8)));
      await("the command held")
          .atMost(WAIT)
          .until(() -> agent.counter("deferred", "startup_ap_sync") == 1.0);
    }
    await("the leaver gone")
        .atMost(WAIT)
        .until(() -> agent.proxy.proxies().get(0).clients().size() == 1);
    assertThat(get(stays.execute(QmpCommands.queryStatus())).status())
        .isEqualTo(RunState.PRELAUNCH);
    assertThat(agent.snapshot("leaver").connected()).isTrue();
  }

  @Test
  void deferModeHoldsACommandUntilSteadyAndDeniesItAfterTheTimeout() throws Exception {
    QemuVm vm = qemu("held", "-S");
    ProxyAgent agent = agent(ProxyMode.DEFER, Duration.ofSeconds(60), List.of());
    Path socket = proxied(agent, vm);
    QmpConnection tool = connect(socket, tools.defaultOptions().withCommandTimeout(WAIT));
    CompletableFuture<String> held =
        tool.execute(QmpCommands.humanMonitorCommand("info registers -a", OptionalInt.empty()));
    await().atMost(WAIT).until(() -> agent.counter("deferred", "startup_ap_sync") == 1.0);
    assertThat(held).isNotDone();
    QmpConnection operator = connect(socket);
    get(operator.execute(QmpCommands.cont())); // the VM boots; STEADY a second after every AP ran
    assertThat(get(held)).contains("CPU#1");
    assertThat(agent.snapshot("held").phase()).isEqualTo(Phase.STEADY);
    assertThat(agent.counter("forwarded", "steady")).isEqualTo(1.0);
    assertThat(agent.meters.find("qmp.sentinel.proxy.deferral").timer().count()).isEqualTo(1);

    QemuVm paused = qemu("held-long", "-S");
    ProxyAgent strict = agent(ProxyMode.DEFER, Duration.ofSeconds(1), List.of());
    Path other = proxied(strict, paused);
    QmpConnection impatient = connect(other);
    assertThat(
            impatient.execute(
                QmpCommands.humanMonitorCommand("info registers -a", OptionalInt.empty())))
        .failsWithin(WAIT)
        .withThrowableThat()
        .havingRootCause()
        .withMessageContaining("after holding it for 1 s");
    assertThat(strict.counter("denied", "defer_timeout")).isEqualTo(1.0);
  }

  @Test
  void aDenyListedCommandNeverReachesQemu() throws Exception {
    QemuVm vm = qemu("guarded", "-S");
    ProxyAgent agent = agent(ProxyMode.DENY, Duration.ofSeconds(30), List.of("quit"));
    Path socket = proxied(agent, vm);
    QmpConnection tool = connect(socket);
    assertThat(tool.execute(QmpCommands.quit()))
        .failsWithin(WAIT)
        .withThrowableThat()
        .havingRootCause()
        .withMessageContaining("sentinel.proxy.deny-commands");
    assertThat(tool.execute(QmpCommands.humanMonitorCommand("quit", OptionalInt.empty())))
        .failsWithin(WAIT)
        .withThrowableThat()
        .havingRootCause()
        .withMessageContaining("never forwarded");
    assertThat(get(tool.execute(QmpCommands.queryStatus())).status()).isEqualTo(RunState.PRELAUNCH);
  }

  @Test
  void killingQemuClosesEveryClientCleanlyAndTheSocketGoesWithTheVm() throws Exception {
    QemuVm vm = qemu("doomed", "-S");
    ProxyAgent agent = agent();
    Path socket = proxied(agent, vm);
    QmpConnection typed = connect(socket);
    try (SocketChannel plain = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      ByteBuffer greeting = ByteBuffer.allocate(4096);
      assertThat(plain.read(greeting)).isPositive();
      vm.signal("KILL");
      assertThat(typed.closeFuture()).succeedsWithin(WAIT);
      ByteBuffer rest = ByteBuffer.allocate(4096);
      int n;
      do {
        n = plain.read(rest.clear());
      } while (n > 0);
      assertThat(n).as("end of stream for the plain client").isEqualTo(-1);
    }
    agent.registry.vanished(agent.registry.find("doomed").orElseThrow().key());
    await("the socket removed").atMost(WAIT).until(() -> !Files.exists(socket));
    assertThat(agent.proxy.proxies()).isEmpty();
  }

  @Test
  void afterAnAgentRestartTheSocketIsBackAndClientsReconnect() throws Exception {
    QemuVm vm = qemu("restarted", "-S");
    ProxyAgent first = agent();
    Path socket = proxied(first, vm);
    QmpConnection before = connect(socket);
    assertThat(get(before.execute(QmpCommands.queryStatus())).status())
        .isEqualTo(RunState.PRELAUNCH);
    first.close();
    assertThat(before.closeFuture()).succeedsWithin(WAIT);

    ProxyAgent second = agent();
    assertThat(proxied(second, vm)).isEqualTo(socket);
    QmpConnection after = connect(socket);
    assertThat(get(after.execute(QmpCommands.queryName()))).contains("restarted");
  }
}
