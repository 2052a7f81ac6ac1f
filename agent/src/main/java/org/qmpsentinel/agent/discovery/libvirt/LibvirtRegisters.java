package org.qmpsentinel.agent.discovery.libvirt;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The opt-in register read ({@code sentinel.discovery.libvirt.register-confirmation=true}): HMP
 * {@code info registers} for one vCPU through {@code virDomainQemuMonitorCommand}, on a read-write
 * connection of its own and a thread of its own (the call blocks). libvirt marks every domain it is
 * used on as tainted ({@code custom-monitor}); it is only used on a domain whose AP the detector
 * already suspects, and only when the operator asked for it.
 */
public final class LibvirtRegisters implements AutoCloseable {
  private final String uri;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "libvirt-registers");
            t.setDaemon(true);
            return t;
          });
  private @Nullable Connect conn; // the thread above only

  public LibvirtRegisters(String uri) {
    this.uri = uri;
  }

  /** {@code info registers} of vCPU {@code cpu} of the domain, as HMP prints it. */
  public CompletableFuture<String> infoRegisters(String uuid, int cpu) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Connect c = conn;
            if (c == null) {
              c = new Connect(uri, false);
              conn = c;
            }
            String reply =
                c.domainLookupByUUIDString(uuid)
                    .qemuMonitorCommand(
                        "{\"execute\":\"human-monitor-command\",\"arguments\":"
                            + "{\"command-line\":\"info registers\",\"cpu-index\":"
                            + cpu
                            + "}}",
                        0);
            JsonNode tree = JsonMapper.shared().readTree(reply);
            return tree.path("return").asString();
          } catch (LibvirtException e) {
            conn = null; // reopened on the next read
            throw new IllegalStateException("libvirt: " + e.getMessage(), e);
          }
        },
        thread);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
