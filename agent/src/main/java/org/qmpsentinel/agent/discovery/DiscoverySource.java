package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.util.List;

/**
 * One way of finding QMP endpoints. Called periodically (about once a second) from a discovery
 * thread, never from a Netty event loop; a scan may do blocking file I/O.
 */
public interface DiscoverySource {
  /** Short name used in logs, metrics and {@link DiscoveredVm#source()}. */
  String name();

  /** Everything this source sees right now; a VM missing from the result has vanished. */
  List<DiscoveredVm> scan() throws IOException;
}
