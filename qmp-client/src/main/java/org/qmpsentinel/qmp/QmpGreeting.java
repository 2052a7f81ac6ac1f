package org.qmpsentinel.qmp;

import java.util.Set;

/** The server's greeting: its version and the capabilities it offers (e.g. {@code oob}). */
public record QmpGreeting(QmpVersion version, Set<String> capabilities) {
  public QmpGreeting {
    capabilities = Set.copyOf(capabilities);
  }
}
