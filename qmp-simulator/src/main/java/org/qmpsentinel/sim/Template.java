package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A captured QMP line with holes: {@code ${name}} markers split it into constant byte segments,
 * written as they are, and holes, filled by a {@link Filler} in order. Rendering copies bytes and
 * formats a few numbers; nothing is parsed or re-serialized per reply, which keeps replies
 * byte-for-byte QEMU's (spacing, key order, CRLF) and cheap at 10,000 VMs.
 */
final class Template {
  /** Writes the value of hole {@code hole} (its name is {@link #holeName(int)}). */
  @FunctionalInterface
  interface Filler {
    void fill(ByteBuf out, int hole);
  }

  private final byte[][] segments;
  private final String[] holes;

  private Template(byte[][] segments, String[] holes) {
    this.segments = segments;
    this.holes = holes;
  }

  /** Parses {@code text} whose holes are written {@code ${name}}. */
  static Template parse(String text) {
    List<byte[]> segments = new ArrayList<>();
    List<String> holes = new ArrayList<>();
    int from = 0;
    while (true) {
      int open = text.indexOf("${", from);
      if (open < 0) {
        segments.add(text.substring(from).getBytes(StandardCharsets.UTF_8));
        break;
      }
      int close = text.indexOf('}', open);
      if (close < 0) {
        throw new IllegalArgumentException("unclosed hole in template: " + text);
      }
      segments.add(text.substring(from, open).getBytes(StandardCharsets.UTF_8));
      holes.add(text.substring(open + 2, close));
      from = close + 1;
    }
    return new Template(segments.toArray(byte[][]::new), holes.toArray(String[]::new));
  }

  String holeName(int hole) {
    return holes[hole];
  }

  void render(ByteBuf out, Filler filler) {
    for (int i = 0; i < holes.length; i++) {
      out.writeBytes(segments[i]);
      filler.fill(out, i);
    }
    out.writeBytes(segments[holes.length]);
  }

  /** Renders a template without holes. */
  void render(ByteBuf out) {
    render(out, (buf, hole) -> {});
  }
}
