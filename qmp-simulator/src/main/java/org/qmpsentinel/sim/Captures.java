package org.qmpsentinel.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The lines {@code capture.py} recorded from QEMU 7.2 for one accelerator ({@code kvm} or {@code
 * tcg}), as classpath resources {@code captured/<accel>/<exchange>.json}. Every line is checked,
 * when loaded, to be reproduced byte for byte by {@link QemuJson} from its parsed tree, so the
 * templates derived from the trees keep QEMU's exact format.
 */
final class Captures {
  /** The id capture.py gave every command. */
  static final String CAPTURE_ID = "capture-id";

  private static final JsonMapper MAPPER = JsonMapper.shared();

  private final String accel;

  private Captures(String accel) {
    this.accel = accel;
  }

  static Captures of(String accel) {
    if (!accel.equals("kvm") && !accel.equals("tcg")) {
      throw new IllegalArgumentException("accel must be kvm or tcg, was " + accel);
    }
    return new Captures(accel);
  }

  /** The captured line, CRLF included. */
  String raw(String exchange) {
    String resource = "captured/" + accel + "/" + exchange + ".json";
    try (InputStream in = Captures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing capture " + resource + " (run capture.py)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The captured line parsed, after checking that {@link QemuJson} writes it back unchanged. */
  ObjectNode tree(String exchange) {
    String raw = raw(exchange);
    JsonNode tree = MAPPER.readTree(raw);
    String rewritten = QemuJson.write(tree) + "\r\n";
    if (!rewritten.equals(raw)) {
      throw new IllegalStateException(
          "QemuJson does not reproduce capture "
              + exchange
              + ":\n  captured "
              + raw.strip()
              + "\n  written  "
              + rewritten.strip());
    }
    return (ObjectNode) tree;
  }

  /**
   * A reply as a template: the echoed id becomes the {@code id}/{@code idfirst} hole wherever QEMU
   * put it. The caller may replace more nodes with {@link QemuJson#hole} before {@link
   * #template(ObjectNode)}.
   */
  ObjectNode reply(String exchange) {
    ObjectNode tree = tree(exchange);
    if (!CAPTURE_ID.equals(tree.path("id").asString(null))) {
      throw new IllegalStateException("capture " + exchange + " has no echoed id");
    }
    tree.set("id", QemuJson.hole("id")); // replaces in place: the member keeps its position
    return tree;
  }

  static Template template(JsonNode tree) {
    return Template.parse(QemuJson.write(tree) + "\r\n");
  }
}
