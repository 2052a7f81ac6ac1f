package org.qmpsentinel.agent.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.agent.testsupport.ForkedAgent;
import org.qmpsentinel.agent.testsupport.QemuVm;
import org.qmpsentinel.agent.testsupport.WebhookReceiver;
import org.qmpsentinel.agent.testsupport.WebhookReceiver.Request;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 11 row 7, end to end: the agent as shipped (forked exec jar) is SIGKILLed with alerts
 * pending in its spool, one VM recovers while it is down and another stays hung. Real QEMU guests,
 * frozen with SIGSTOP (the monitor stops answering: MONITOR_UNRESPONSIVE); a real HTTP receiver
 * (JDK HttpServer on 127.0.0.1) that answers 500 until the agent is killed, 200 afterwards.
 *
 * <p>After the restart: every spooled alert is delivered exactly once, in order per VM; the
 * recovered VM gets its RESOLVED; the VM still hung (its monitor unresponsive from the agent's
 * start, so it never completes identification) is detected again; nothing is delivered twice; and
 * while the receiver failed, attempts were at least {@code retry-initial} apart (one retry loop per
 * webhook, not one per alert).
 */
class KillRestartIT {
  private static final JsonMapper JSON = JsonMapper.shared();
  private static final Duration RETRY_INITIAL = Duration.ofMillis(500);

  @Test
  void aKilledAgentLosesNothingSendsNothingTwiceAndResolvesWhatEndedMeanwhile() throws Exception {
    Path work = Files.createTempDirectory("hostile-kill");
    Path sockets = work.resolve("sock");
    Path spool = work.resolve("spool");
    Map<String, String> properties = new LinkedHashMap<>();
    try (WebhookReceiver receiver = new WebhookReceiver();
        QemuVm recovers = QemuVm.healthy("hostile-recovers", 2, sockets);
        QemuVm staysHung = QemuVm.healthy("hostile-stays-hung", 2, sockets)) {
      properties.put("sentinel.discovery.socket-glob", sockets + "/*.qmp");
      properties.put("sentinel.discovery.proc-scan", "false");
      properties.put("sentinel.discovery.libvirt.enabled", "false");
      properties.put("sentinel.alerting.spool-dir", spool.toString());
      properties.put("sentinel.alerting.retry-initial", RETRY_INITIAL.toMillis() + "ms");
      properties.put("sentinel.alerting.retry-max", "2s");
      properties.put("sentinel.alerting.webhooks[0].name", "r");
      properties.put("sentinel.alerting.webhooks[0].url", receiver.url().toString());
      properties.put("sentinel.poll.interval", "500ms");
      properties.put("sentinel.poll.steady-interval", "1s");
      properties.put("sentinel.poll.command-timeout", "1s");
      properties.put("sentinel.detector.startup-settle", "2s");
      Path log = work.resolve("agent.log");

      receiver.answerWith(500);
      List<String> spooled;
      try (ForkedAgent first = ForkedAgent.start(properties, log)) {
        await("both guests connected")
            .atMost(Duration.ofSeconds(60))
            .until(() -> connected(first, recovers.name()) && connected(first, staysHung.name()));
        recovers.signal("STOP");
        staysHung.signal("STOP");
        // SUSPECTED and CONFIRMED for each, all pending behind the failing receiver.
        await("four alerts spooled, the receiver failing")
            .atMost(Duration.ofSeconds(90))
            .until(() -> pending(spool).size() >= 4 && receiver.requests().size() >= 3);
        spooled = pending(spool);
        first.kill(); // SIGKILL: no shutdown hook, no flush
      }
      int attemptsBeforeKill = receiver.requests().size();

      // While the agent is down: one guest recovers, the other stays frozen; the receiver heals.
      recovers.signal("CONT");
      receiver.answerWith(200);

      try (ForkedAgent second = ForkedAgent.start(properties, log)) {
        await("spooled alerts delivered, the RESOLVED, the re-detection")
            .atMost(Duration.ofMinutes(3))
            .untilAsserted(
                () -> {
                  assertThat(states(receiver, recovers.name())).contains("RESOLVED");
                  assertThat(sinces(receiver, staysHung.name(), "SUSPECTED")).hasSize(2);
                  assertThat(accepted(receiver)).containsAll(spooled);
                });
        // Settle: nothing more should come for what was already delivered.
        await().atMost(Duration.ofSeconds(10)).until(() -> pending(spool).isEmpty());

        List<Request> all = receiver.requests();
        List<String> accepted = accepted(receiver);
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(second.isAlive()).isTrue();
        soft.assertThat(accepted)
            .as("every delivery distinct (exactly once)")
            .doesNotHaveDuplicates();
        soft.assertThat(accepted).as("every spooled alert delivered").containsAll(spooled);
        for (String vm : List.of(recovers.name(), staysHung.name())) {
          assertInOrderPerHang(soft, receiver, vm);
        }
        soft.assertThat(states(receiver, staysHung.name()))
            .as("the VM still hung is not resolved")
            .doesNotContain("RESOLVED");
        soft.assertThat(
                receiver.accepted().stream()
                    .map(r -> Delivery.of(r.body()))
                    .filter(d -> d.vm().equals(recovers.name()))
                    .filter(d -> d.state().equals("RESOLVED"))
                    .map(Delivery::summary))
            .as("the recovered VM's RESOLVED")
            .hasSize(1);
        soft.assertThat(second.logText())
            .as("the frozen monitor's failure named at WARN after the restart")
            .containsPattern("WARN .*hostile-stays-hung: connecting failed: .*timed out");
        // Retry rate while the receiver failed: one loop for the webhook, each attempt at least
        // retry-initial after the previous answer (receipt times; 50 ms for scheduling slack).
        List<Long> gapsMs = new ArrayList<>();
        for (int i = 1; i < attemptsBeforeKill; i++) {
          gapsMs.add((all.get(i).receivedNanos() - all.get(i - 1).receivedNanos()) / 1_000_000);
        }
        soft.assertThat(gapsMs)
            .as("gaps between attempts while failing, ms")
            .allMatch(g -> g >= RETRY_INITIAL.toMillis() - 50);
        System.out.printf(
            "kill-restart: spooled_at_kill=%d attempts_before_kill=%d gaps_ms=%s"
                + " delivered_after_restart=%d requests_total=%d%n",
            spooled.size(), attemptsBeforeKill, gapsMs, accepted.size(), all.size());
        soft.assertAll();
      }
    }
  }

  /** Within each hang (vm, kind, since): SUSPECTED before CONFIRMED before RESOLVED. */
  private static void assertInOrderPerHang(SoftAssertions soft, WebhookReceiver r, String vm) {
    Map<String, List<String>> byHang = new LinkedHashMap<>();
    for (Request q : r.accepted()) {
      Delivery d = Delivery.of(q.body());
      if (d.vm().equals(vm)) {
        byHang.computeIfAbsent(d.kind() + "@" + d.since(), k -> new ArrayList<>()).add(d.state());
      }
    }
    List<String> order = List.of("SUSPECTED", "CONFIRMED", "RESOLVED");
    byHang.forEach(
        (hang, states) ->
            soft.assertThat(states)
                .as("%s %s in order", vm, hang)
                .isSortedAccordingTo(
                    (a, b) -> Integer.compare(order.indexOf(a), order.indexOf(b))));
  }

  private static List<String> pending(Path spool) throws java.io.IOException {
    Path dir = spool.resolve("r");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> bodies = new ArrayList<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        bodies.add(Files.readString(f).strip());
      }
      return bodies;
    }
  }

  private static List<String> accepted(WebhookReceiver r) {
    return r.accepted().stream().map(q -> q.body().strip()).toList();
  }

  /**
   * One delivery, read from the generic webhook's body (Alertmanager's webhook payload, version 4):
   * every alert in it is about the same hang event, so the first alert says which VM, kind and hang
   * (its start), and its {@code hang_state} annotation the event's state.
   */
  private record Delivery(String vm, String kind, String state, String since, String summary) {
    static Delivery of(String body) {
      JsonNode first = JSON.readTree(body).path("alerts").path(0);
      JsonNode labels = first.path("labels");
      JsonNode annotations = first.path("annotations");
      return new Delivery(
          labels.path("vm").asString(),
          labels.path("kind").asString(),
          annotations.path("hang_state").asString().toUpperCase(java.util.Locale.ROOT),
          first.path("startsAt").asString(),
          annotations.path("summary").asString());
    }
  }

  private static List<String> states(WebhookReceiver r, String vm) {
    return r.accepted().stream()
        .map(q -> Delivery.of(q.body()))
        .filter(d -> d.vm().equals(vm))
        .map(Delivery::state)
        .toList();
  }

  private static List<String> sinces(WebhookReceiver r, String vm, String state) {
    return r.accepted().stream()
        .map(q -> Delivery.of(q.body()))
        .filter(d -> d.vm().equals(vm) && d.state().equals(state))
        .map(Delivery::since)
        .distinct()
        .toList();
  }

  /** False also when the agent does not answer in time (a loaded machine right after start). */
  private static boolean connected(ForkedAgent agent, String vm) {
    try {
      return agent.vm(vm).path("connected").asBoolean(false);
    } catch (java.io.UncheckedIOException e) {
      return false;
    }
  }
}
