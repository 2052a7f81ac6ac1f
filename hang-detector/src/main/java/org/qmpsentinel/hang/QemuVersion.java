package org.qmpsentinel.hang;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A QEMU version as the QMP greeting reports it ({@code major.minor.micro}); the agent's client
 * prints it as {@code 7.2.0}. Only major and minor choose an intrusion policy.
 */
public record QemuVersion(int major, int minor, int micro) implements Comparable<QemuVersion> {
  private static final Pattern VERSION = Pattern.compile("^\\s*(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

  /** Parses {@code 7.2.0}, {@code 10.0}, {@code 8.2.2 (Debian ...)}; empty when unparsable. */
  public static Optional<QemuVersion> parse(String text) {
    Matcher m = VERSION.matcher(text);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new QemuVersion(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    } catch (NumberFormatException e) {
      return Optional.empty(); // more digits than an int holds: not a version we know
    }
  }

  @Override
  public int compareTo(QemuVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c == 0 ? Integer.compare(micro, o.micro) : c;
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + micro;
  }
}
