package org.qmpsentinel.agent.discovery;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.qmpsentinel.agent.config.SentinelProperties.Endpoint;
import org.qmpsentinel.qmp.QmpEndpoint;

/** The endpoints listed in {@code sentinel.discovery.endpoints}. */
public final class StaticDiscoverySource implements DiscoverySource {
  private final List<DiscoveredVm> vms;

  public StaticDiscoverySource(List<Endpoint> endpoints) {
    this.vms =
        endpoints.stream()
            .map(
                e ->
                    new DiscoveredVm(
                        name(),
                        e.name(),
                        QmpEndpoint.parse(e.endpoint()),
                        Optional.empty(),
                        OptionalLong.empty()))
            .toList();
  }

  @Override
  public String name() {
    return "static";
  }

  @Override
  public List<DiscoveredVm> scan() {
    return vms;
  }
}
