package org.qmpsentinel.agent.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.qmpsentinel.qmp.QmpEndpoint;

class DiscoveryServiceTest {
  private final List<String> appeared = new ArrayList<>();
  private final List<String> vanished = new ArrayList<>();

  /**
   * A source whose answers the test scripts (a fault a real directory cannot be made to produce).
   */
  private static final class ScriptedSource implements DiscoverySource {
    final String name;
    List<DiscoveredVm> next = List.of();
    boolean fail;

    ScriptedSource(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<DiscoveredVm> scan() throws IOException {
      if (fail) {
        throw new IOException("scripted failure");
      }
      return next;
    }
  }

  private static DiscoveredVm vm(String source, String path, long pid) {
    return new DiscoveredVm(
        source,
        path,
        QmpEndpoint.parse(path),
        Optional.empty(),
        pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty());
  }

  @Test
  void mergesDeduplicatesAndReportsChanges() {
    ScriptedSource libvirt = new ScriptedSource("libvirt");
    ScriptedSource proc = new ScriptedSource("proc");
    DiscoveryService service =
        new DiscoveryService(
            List.of(libvirt, proc),
            v -> appeared.add(v.source() + ":" + v.endpoint()),
            vanished::add);

    libvirt.next = List.of(vm("libvirt", "/run/a.qmp", 10));
    proc.next =
        List.of(
            vm("proc", "/run/a.qmp", 10),
            vm("proc", "/run/a-extra.qmp", 10),
            vm("proc", "/run/b.qmp", 11));
    service.scan();
    // Same endpoint and same pid through another socket are one VM; the earlier source wins.
    assertThat(appeared).containsExactly("libvirt:unix:/run/a.qmp", "proc:unix:/run/b.qmp");

    proc.fail = true; // a failing source keeps what it saw before
    service.scan();
    assertThat(vanished).isEmpty();

    proc.fail = false;
    proc.next = List.of();
    service.scan();
    assertThat(vanished).containsExactly("unix:/run/b.qmp");
  }
}
