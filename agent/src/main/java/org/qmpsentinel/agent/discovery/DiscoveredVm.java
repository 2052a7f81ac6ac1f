package org.qmpsentinel.agent.discovery;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.qmp.QmpEndpoint;

/**
 * A QMP endpoint that one discovery source found, with whatever identity that source knows before
 * connecting (libvirt knows name, UUID and pid; a socket directory only the file name).
 *
 * @param source the source's name, e.g. {@code static}, {@code directory}, {@code proc}, {@code
 *     libvirt}
 * @param name a human name (libvirt domain name, {@code -name}, or the socket's file name)
 */
public record DiscoveredVm(
    String source, String name, QmpEndpoint endpoint, Optional<String> uuid, OptionalLong pid) {
  public DiscoveredVm {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(pid, "pid");
  }

  /** The VM's identity inside the agent: its endpoint. */
  public String key() {
    return endpoint.toString();
  }
}
