package org.qmpsentinel.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.qmpsentinel.qmp.FakeQmpServer;
import org.qmpsentinel.qmp.QmpEndpoint;
import tools.jackson.databind.JsonNode;

/**
 * A fake QEMU monitor the test drives step by step (it is a fake because the orderings tested here
 * — a STOP between two replies of one poll, a RESET in the middle of a poll — cannot be produced on
 * demand by a real QEMU). Commands the agent sends are queued as they arrive; {@link
 * #expect(String)} takes the next one and fails the test if it is another or never comes.
 */
final class ScriptedMonitor implements AutoCloseable {
  private final CompletableFuture<FakeQmpServer.Peer> peer = new CompletableFuture<>();
  private final BlockingQueue<JsonNode> commands = new LinkedBlockingQueue<>();
  private final FakeQmpServer server;

  ScriptedMonitor() throws IOException {
    server =
        new FakeQmpServer(
            p -> {
              p.handshake();
              peer.complete(p); // the test drives the first connection
              try {
                while (true) {
                  commands.add(p.read());
                }
              } catch (IOException e) {
                // the agent closed this connection: the server takes the next one
              }
            });
  }

  QmpEndpoint endpoint() {
    return server.endpoint();
  }

  /** Takes the next command the agent sent; it must be {@code name}. */
  JsonNode expect(String name) throws Exception {
    JsonNode c = commands.poll(10, TimeUnit.SECONDS);
    assertThat(c).as("the agent's next command, expected %s", name).isNotNull();
    assertThat(c.path("execute").asString()).isEqualTo(name);
    return c;
  }

  /** Takes the next command the agent sent, whatever it is. */
  JsonNode next() throws Exception {
    JsonNode c = commands.poll(10, TimeUnit.SECONDS);
    assertThat(c).as("the agent's next command").isNotNull();
    return c;
  }

  /** Answers the five identification commands, in whatever order they come. */
  void identify(boolean running) throws Exception {
    for (int i = 0; i < 5; i++) {
      JsonNode c = commands.poll(10, TimeUnit.SECONDS);
      assertThat(c).as("identification command %d", i + 1).isNotNull();
      switch (c.path("execute").asString()) {
        case "query-name" -> reply(c, "{\"name\": \"vm-1\"}");
        case "query-uuid" -> reply(c, "{\"UUID\": \"6f5c7c5e-3b8e-4bb9-9d2a-0c6c1d4f1e11\"}");
        case "query-commands" -> reply(c, "[{\"name\": \"query-stats\"}, {\"name\": \"cont\"}]");
        case "query-kvm" -> reply(c, "{\"enabled\": true, \"present\": true}");
        case "query-status" -> status(c, running);
        default -> throw new AssertionError("not an identification command: " + c);
      }
    }
  }

  void reply(JsonNode command, String json) throws Exception {
    peer.get(10, TimeUnit.SECONDS).reply(command, json);
  }

  void status(JsonNode command, boolean running) throws Exception {
    reply(
        command,
        "{\"running\": "
            + running
            + ", \"singlestep\": false, \"status\": \""
            + (running ? "running" : "paused")
            + "\"}");
  }

  void cpus(JsonNode command, int count) throws Exception {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      json.append(i == 0 ? "" : ", ")
          .append("{\"cpu-index\": ")
          .append(i)
          .append(", \"qom-path\": \"/machine/unattached/device[")
          .append(i)
          .append("]\", \"thread-id\": ")
          .append(100_000 + i)
          .append(", \"target\": \"x86_64\"}");
    }
    reply(command, json.append("]").toString());
  }

  /** query-stats with {@code exits[i]} and {@code haltExits[i]} for vCPU i. */
  void stats(JsonNode command, long[] exits, long[] haltExits) throws Exception {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < exits.length; i++) {
      json.append(i == 0 ? "" : ", ")
          .append("{\"provider\": \"kvm\", \"qom-path\": \"/machine/unattached/device[")
          .append(i)
          .append("]\", \"stats\": [{\"name\": \"exits\", \"value\": ")
          .append(exits[i])
          .append("}, {\"name\": \"halt_exits\", \"value\": ")
          .append(haltExits[i])
          .append("}]}");
    }
    reply(command, json.append("]").toString());
  }

  void event(String name) throws Exception {
    peer.get(10, TimeUnit.SECONDS).event(name);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
