package org.qmpsentinel.agent.api;

import java.time.Instant;
import java.util.List;
import org.qmpsentinel.agent.supervisor.VmRegistry;
import org.qmpsentinel.agent.supervisor.VmSnapshot;
import org.qmpsentinel.hang.HangEvent;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** Read-only views: every VM, one VM, one VM's latest register samples, every active hang. */
@RestController
@RequestMapping("/api/v1")
public class VmController {
  private final VmRegistry registry;

  public VmController(VmRegistry registry) {
    this.registry = registry;
  }

  @GetMapping("/vms")
  public List<VmSnapshot> vms() {
    return registry.snapshots();
  }

  @GetMapping("/vms/{id}")
  public VmSnapshot vm(@PathVariable String id) {
    return registry
        .find(id)
        .map(s -> s.snapshot())
        .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no VM " + id));
  }

  @GetMapping("/vms/{id}/registers")
  public RegistersView registers(@PathVariable String id) {
    return registry
        .find(id)
        .map(s -> RegistersView.of(s.snapshot(), Instant.now()))
        .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no VM " + id));
  }

  @GetMapping("/hangs")
  public List<HangEvent> hangs() {
    return registry.activeHangs();
  }
}
