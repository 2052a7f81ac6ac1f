package org.qmpsentinel.qmp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Messages crafted to hurt a client, shared by the decoder and end-to-end tests. */
public final class HostileMessages {
  /** The size of {@link #emptyObjectsReply(String)} with a one-character id. */
  public static final int EMPTY_OBJECTS_REPLY_BYTES = 8_370_029;

  private HostileMessages() {}

  /**
   * {@code {"return": [{},{},...], "id": "<id>"}} plus CRLF: with id {@code "1"} 8,370,029 bytes,
   * under the 8 MiB limit, holding 2,790,001 empty objects (about 230 MB as a tree).
   */
  public static byte[] emptyObjectsReply(String id) {
    byte[] prefix = "{\"return\": [{}".getBytes(StandardCharsets.US_ASCII);
    byte[] suffix = ("], \"id\": \"" + id + "\"}\r\n").getBytes(StandardCharsets.US_ASCII);
    int objects = 2_790_000; // after the first
    byte[] all = new byte[prefix.length + 3 * objects + suffix.length];
    System.arraycopy(prefix, 0, all, 0, prefix.length);
    for (int i = 0, at = prefix.length; i < objects; i++, at += 3) {
      all[at] = ',';
      all[at + 1] = '{';
      all[at + 2] = '}';
    }
    System.arraycopy(suffix, 0, all, all.length - suffix.length, suffix.length);
    return all;
  }

  /** {@code bytes} in pieces of {@code size} (the last may be shorter). */
  public static byte[][] chunks(byte[] bytes, int size) {
    byte[][] pieces = new byte[(bytes.length + size - 1) / size][];
    for (int i = 0; i < pieces.length; i++) {
      pieces[i] = Arrays.copyOfRange(bytes, i * size, Math.min(bytes.length, (i + 1) * size));
    }
    return pieces;
  }
}
