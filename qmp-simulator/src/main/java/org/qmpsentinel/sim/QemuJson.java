package org.qmpsentinel.sim;

import io.netty.buffer.ByteBuf;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Writes JSON the way QEMU's qobject/json-writer.c does (non-pretty): {@code ", "} between items,
 * {@code ": "} after keys, and only ASCII out — anything else as an upper-case {@code \\uXXXX}.
 * {@link Captures} checks that this reproduces every captured line byte for byte, so templates
 * built from parsed captures are QEMU's own format.
 *
 * <p>A string node made by {@link #hole(String)} is written as the template hole {@code ${name}}; a
 * member whose value is such a hole named {@code id} is written as {@code ${id}} in place of the
 * whole member and its separator (see {@link Replies}), because QMP omits the id when the command
 * had none.
 */
final class QemuJson {
  private static final String HOLE_PREFIX = "\u0000hole:";
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private QemuJson() {}

  /** A node that serializes as the template hole {@code ${name}}. */
  static JsonNode hole(String name) {
    return JsonNodeFactory.instance.stringNode(HOLE_PREFIX + name);
  }

  static String write(JsonNode node) {
    StringBuilder out = new StringBuilder();
    write(out, node);
    return out.toString();
  }

  private static void write(StringBuilder out, JsonNode node) {
    if (node.isObject()) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> member : node.properties()) {
        if (isHole(member.getValue()) && member.getKey().equals("id")) {
          // The member and its separator are one hole: "${idfirst}" renders `"id": X, `.
          out.append(first ? "${idfirst}" : "${id}");
          continue;
        }
        if (!first) {
          out.append(", ");
        }
        first = false;
        string(out, member.getKey());
        out.append(": ");
        write(out, member.getValue());
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(", ");
        }
        write(out, node.get(i));
      }
      out.append(']');
    } else if (isHole(node)) {
      out.append("${").append(node.stringValue().substring(HOLE_PREFIX.length())).append('}');
    } else if (node.isString()) {
      string(out, node.stringValue());
    } else {
      out.append(node.toString()); // numbers, booleans, null: same text in both writers
    }
  }

  private static boolean isHole(JsonNode node) {
    return node.isString() && node.stringValue().startsWith(HOLE_PREFIX);
  }

  /** json-writer.c's quoted_str(). */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (cp >= 0x20 && cp < 0x7f) {
            out.append((char) cp);
          } else if (cp < 0x10000) {
            hex4(out, cp);
          } else {
            hex4(out, Character.highSurrogate(cp));
            hex4(out, Character.lowSurrogate(cp));
          }
        }
      }
    }
    out.append('"');
  }

  private static void hex4(StringBuilder out, int u) {
    out.append("\\u")
        .append(HEX[(u >> 12) & 0xf])
        .append(HEX[(u >> 8) & 0xf])
        .append(HEX[(u >> 4) & 0xf])
        .append(HEX[u & 0xf]);
  }

  /** Writes a string value (quoted, escaped) into a buffer. */
  static void string(ByteBuf out, String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    string(sb, s);
    writeAscii(out, sb);
  }

  /** Writes any JSON value (e.g. a client's command id, echoed as QEMU re-serializes it). */
  static void value(ByteBuf out, JsonNode node) {
    StringBuilder sb = new StringBuilder();
    write(sb, node);
    writeAscii(out, sb);
  }

  static void writeAscii(ByteBuf out, CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      out.writeByte(s.charAt(i));
    }
  }

  /** A decimal long without allocating. */
  static void number(ByteBuf out, long v) {
    if (v < 0) {
      out.writeByte('-');
      if (v == Long.MIN_VALUE) {
        writeAscii(out, "9223372036854775808");
        return;
      }
      v = -v;
    }
    if (v < 10) {
      out.writeByte('0' + (int) v);
      return;
    }
    long div = 1;
    while (v / div >= 10) {
      div *= 10;
    }
    for (; div > 0; div /= 10) {
      out.writeByte('0' + (int) ((v / div) % 10));
    }
  }
}
