package org.qmpsentinel.qmp.internal.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks a byte stream is well-formed UTF-8 (RFC 3629 section 4), across read boundaries.
 *
 * <p>Why, when Jackson decodes UTF-8 itself: its non-blocking parser accepts overlong forms ({@code
 * C0 AF} and {@code E0 80 AF} both decode to {@code '/'}), code points above U+10FFFF and the lead
 * bytes F5..F7 — the overlong ones are the classic way to smuggle a character past a check on the
 * bytes. (It rejects surrogates, stray continuation bytes and F8..FF.) Cost: ASCII, nearly all of
 * QMP, is skipped eight bytes at a time.
 */
final class Utf8Validator {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  private int remaining; // continuation bytes still expected
  private int lower = 0x80; // bounds of the next continuation byte: narrower right after
  private int upper = 0xBF; // E0, ED, F0, F4, which is what excludes overlongs and surrogates

  /**
   * Validates {@code bytes[from, to)} as the continuation of everything validated before.
   *
   * @return the index of the first byte that makes the stream ill-formed, or -1 if none does
   */
  int validate(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      if (remaining == 0) {
        while (i + 8 <= to && ((long) LONGS.get(bytes, i) & HIGH_BITS) == 0) {
          i += 8;
        }
        if (i == to) {
          break;
        }
        int b = bytes[i];
        if (b >= 0) {
          i++;
          continue;
        }
        if (!lead(b & 0xFF)) {
          return i;
        }
      } else {
        int b = bytes[i] & 0xFF;
        if (b < lower || b > upper) {
          return i;
        }
        lower = 0x80;
        upper = 0xBF;
        remaining--;
      }
      i++;
    }
    return -1;
  }

  /** True between the lead byte of a sequence and its last continuation byte. */
  boolean midSequence() {
    return remaining != 0;
  }

  /** Sets up the expected continuation for lead byte {@code b}; false if it cannot lead. */
  private boolean lead(int b) {
    if (b >= 0xC2 && b <= 0xDF) {
      remaining = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      remaining = 2;
      if (b == 0xE0) {
        lower = 0xA0; // below: overlong (< U+0800)
      } else if (b == 0xED) {
        upper = 0x9F; // above: UTF-16 surrogates
      }
    } else if (b >= 0xF0 && b <= 0xF4) {
      remaining = 3;
      if (b == 0xF0) {
        lower = 0x90; // below: overlong (< U+10000)
      } else if (b == 0xF4) {
        upper = 0x8F; // above: beyond U+10FFFF
      }
    } else {
      return false; // 80..C1 (continuation or overlong lead), F5..FF
    }
    return true;
  }
}
