package org.qmpsentinel.agent;

import java.util.List;
import org.qmpsentinel.agent.discovery.Unmonitored;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/unmonitored}: every VM or QEMU process discovery found but cannot monitor,
 * with the reason and the fix. In the wiring package because the API layer does not reach into
 * discovery; this view is discovery's own.
 */
@RestController
class UnmonitoredController {
  private final Unmonitored unmonitored;

  UnmonitoredController(Unmonitored unmonitored) {
    this.unmonitored = unmonitored;
  }

  @GetMapping("/api/v1/unmonitored")
  public List<Unmonitored.Entry> unmonitored() {
    return unmonitored.entries();
  }
}
