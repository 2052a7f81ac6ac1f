package org.qmpsentinel.qmp;

/**
 * A QEMU version as QMP reports it (greeting or {@code query-version}).
 *
 * @param pkg the distribution's package string, e.g. {@code "Debian 1:7.2+dfsg-7+deb12u18"}; empty
 *     when QEMU was built without one
 */
public record QmpVersion(int major, int minor, int micro, String pkg)
    implements Comparable<QmpVersion> {

  public boolean atLeast(int major, int minor) {
    return this.major > major || (this.major == major && this.minor >= minor);
  }

  @Override
  public int compareTo(QmpVersion o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    return c != 0 ? c : Integer.compare(micro, o.micro);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + micro + (pkg.isEmpty() ? "" : " (" + pkg + ")");
  }
}
