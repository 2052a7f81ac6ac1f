package org.qmpsentinel.agent.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.qmpsentinel.qmp.FakeQmpServer;
import org.qmpsentinel.qmp.FakeQmpServer.Peer;
import org.qmpsentinel.qmp.FakeQmpServer.Script;
import org.qmpsentinel.qmp.HostileMessages;
import tools.jackson.databind.JsonNode;

/**
 * Scripts for FAKE QMP monitors (FakeQmpServer): each plays QEMU as far as an attack needs and then
 * attacks, on every connection the agent makes. Real QEMU cannot be made to send these bytes; that
 * is why they are fakes. The honest part answers the agent's identification and polls with QEMU
 * 7.2's shapes (TCG, one vCPU), so an attack can come after the VM was identified.
 *
 * <p>The agent hanging up on an attacker is the expected end of every script: the resulting {@link
 * IOException} is swallowed here, so only a script bug fails the FakeQmpServer.
 */
final class FakeMonitors {
  private FakeMonitors() {}

  /** What the fake does to one command: answer it honestly, or attack instead. */
  @FunctionalInterface
  interface Attack {
    /** Returns true if it attacked (the honest reply is then not sent). */
    boolean strike(Peer peer, JsonNode command, int commandIndex) throws Exception;
  }

  /** Greets, negotiates, then answers commands honestly until {@code attack} strikes. */
  static Script monitor(String name, Attack attack) {
    return tolerant(
        peer -> {
          peer.handshake();
          for (int i = 0; ; i++) {
            JsonNode command = peer.read();
            if (!attack.strike(peer, command, i)) {
              peer.reply(command, honestReply(name, command.path("execute").asString()));
            }
          }
        });
  }

  /** Identification takes five commands; an index of at least this is a poll's. */
  static final int IDENTIFIED = 5;

  /** The script, with the agent's hang-up (any IOException) as a normal end. */
  static Script tolerant(Script script) {
    return peer -> {
      try {
        script.run(peer);
      } catch (IOException expected) {
        // the agent closed the connection: what the attack should achieve
      }
    };
  }

  static String honestReply(String name, String command) {
    return switch (command) {
      case "query-name" -> "{\"name\": \"" + name + "\"}";
      case "query-uuid" -> "{\"UUID\": \"00000000-0000-4000-8000-" + hex12(name) + "\"}";
      case "query-commands" ->
          "[{\"name\": \"query-status\"}, {\"name\": \"query-name\"}, {\"name\": \"query-cpus-fast\"}]";
      case "query-kvm" -> "{\"enabled\": false, \"present\": false}";
      case "query-status" -> "{\"running\": true, \"singlestep\": false, \"status\": \"running\"}";
      case "query-cpus-fast" ->
          "[{\"cpu-index\": 0, \"qom-path\": \"/machine/unattached/device[0]\","
              + " \"thread-id\": 0, \"target\": \"x86_64\"}]";
      default -> "{}";
    };
  }

  private static String hex12(String name) {
    return String.format("%012x", name.hashCode() & 0xffffffffL);
  }

  // ---- the attacks -------------------------------------------------------------------------

  /** Row 1: a reply of 8,370,029 bytes of {@code {},{},...} (under the byte limit) to a poll. */
  static Attack emptyObjectsBomb() {
    return (peer, command, i) -> {
      if (i < IDENTIFIED + 2) {
        return false;
      }
      peer.send(HostileMessages.emptyObjectsReply(command.path("id").asString()));
      return true;
    };
  }

  /** Row 12: an overlong encoding of '/' (C0 AF) inside a poll's reply. */
  static Attack overlongUtf8() {
    return (peer, command, i) -> {
      if (i < IDENTIFIED + 1) {
        return false;
      }
      peer.send("{\"return\": {\"status\": \"run");
      peer.send(new byte[] {(byte) 0xC0, (byte) 0xAF});
      peer.send("\"}, \"id\": \"" + command.path("id").asString() + "\"}\r\n");
      return true;
    };
  }

  /** Invalid UTF-8 (FF FE) in identification's first reply. */
  static Attack invalidUtf8() {
    return (peer, command, i) -> {
      peer.send("{\"return\": {\"name\": \"");
      peer.send(new byte[] {(byte) 0xFF, (byte) 0xFE});
      peer.send("\"}, \"id\": \"" + command.path("id").asString() + "\"}\r\n");
      return true;
    };
  }

  /** Row 13: 200,000 RESUME events at once after the VM was identified, then honest again. */
  static Attack eventFlood() {
    return (peer, command, i) -> {
      if (i == IDENTIFIED + 1) {
        String event =
            "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\","
                + " \"data\": {}}\r\n";
        byte[] batch = event.repeat(1000).getBytes(StandardCharsets.US_ASCII);
        for (int n = 0; n < 200; n++) {
          peer.send(batch);
        }
      }
      return false;
    };
  }

  /** Unknown id: every reply is preceded by a reply to an id the agent never used. */
  static Attack unknownIds() {
    return (peer, command, i) -> {
      peer.sendLine("{\"return\": {}, \"id\": \"not-yours-" + i + "\"}");
      return false;
    };
  }

  /** Row 8, violation after negotiation: a line that is not JSON. */
  static Attack garbage() {
    return (peer, command, i) -> {
      peer.send("this is not JSON\r\n");
      return true;
    };
  }

  /** Row 8, timeout after negotiation (silence): reads every command, answers none. */
  static Attack silence() {
    return (peer, command, i) -> true;
  }

  /** 50 MiB in one message without an end, in 1 MiB writes, until the agent hangs up. */
  static Attack fiftyMebibytes() {
    return (peer, command, i) -> {
      byte[] mebibyte = new byte[1 << 20];
      Arrays.fill(mebibyte, (byte) 'a');
      peer.send("{\"return\": \"");
      for (int n = 0; n < 50; n++) {
        peer.send(mebibyte);
      }
      return true;
    };
  }

  /** 100,000 nested arrays in a reply. */
  static Attack deepNesting() {
    return (peer, command, i) -> {
      peer.send("{\"return\": " + "[".repeat(100_000));
      return true;
    };
  }

  /** EOF in the middle of a reply. */
  static Attack eofMidMessage() {
    return (peer, command, i) -> {
      if (i < IDENTIFIED + 1) {
        return false;
      }
      peer.send("{\"return\": {\"running\": tr");
      peer.close();
      return true;
    };
  }

  /** Accepts and says nothing: no greeting. */
  static Script noGreeting() {
    return tolerant(
        peer -> {
          peer.read(); // blocks until the agent gives up and hangs up
        });
  }

  /** Slowloris: the greeting one byte every 100 ms (15 s for the whole, 3× the timeout). */
  static Script slowloris() {
    return tolerant(
        peer -> {
          byte[] greeting = (FakeQmpServer.GREETING + "\r\n").getBytes(StandardCharsets.UTF_8);
          for (byte b : greeting) {
            peer.send(new byte[] {b});
            Thread.sleep(100); // the attack's pace, not synchronization
          }
          peer.read();
        });
  }
}
