package org.qmpsentinel.agent.discovery;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every VM or QEMU process that discovery found but cannot monitor, with the reason and the fix:
 * listed by the API ({@code GET /api/v1/unmonitored}), logged at WARN once per VM and reason, and
 * counted in {@code qmp_sentinel_vm_unmonitored{reason}} (every reason present, at 0 when none).
 * Sources report what they see in each scan; an entry stays until its source withdraws it.
 * Thread-safe: sources report from their own threads, the API and the scrape read.
 */
public final class Unmonitored implements MeterBinder {
  private static final Logger log = LoggerFactory.getLogger(Unmonitored.class);

  static final String METRIC = "qmp.sentinel.vm.unmonitored";

  /** Why a VM is not monitored; {@link #tag()} is the metric's and the API's reason. */
  public enum Reason {
    PERMISSION_DENIED(
        "add the agent's user to the socket's group, or have QEMU create the socket in"
            + " /run/qmp-sentinel (root:kvm 2770, setgid; with umask 002 or 007; see"
            + " docs/deploy.md)"),
    NO_MONITOR_SOCKET(
        "start QEMU with -qmp unix:/run/qmp-sentinel/NAME.qmp,server=on,wait=off (libvirt"
            + " domains need nothing: they are watched through libvirt)"),
    SOCKET_IN_USE_BY_MANAGER(
        "the manager opens this socket per command; give the VM a second QMP socket for the"
            + " agent, e.g. Proxmox: args: -qmp unix:/run/qmp-sentinel/VMID.qmp,server=on,wait=off"),
    UNSUPPORTED_QEMU(
        "libvirt reports no per-vCPU statistics for this domain; QEMU 7.1 or newer under KVM"
            + " gives KVM counters, older QEMU needs the extra-socket route"),
    LIBVIRT_UNAVAILABLE(
        "start libvirtd (and the system bus: its polkit check lets any local user use the"
            + " read-only socket /run/libvirt/libvirt-sock-ro) and check"
            + " sentinel.discovery.libvirt.uri; no group is needed (the libvirt group would grant"
            + " the read-write socket, i.e. root); retried automatically");

    private final String fix;

    Reason(String fix) {
      this.fix = fix;
    }

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    public String fix() {
      return fix;
    }
  }

  /**
   * One VM that is not monitored.
   *
   * @param id what the source knows it by (socket path, pid, libvirt URI or domain UUID)
   * @param detail what exactly failed, e.g. the error text
   */
  public record Entry(
      String source,
      String id,
      String name,
      String reason,
      String detail,
      String fix,
      Instant since) {}

  private record Key(String source, String id) {}

  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Reports (or keeps reporting) a VM as unmonitored; logged once per VM and reason. */
  public void report(String source, String id, String name, Reason reason, String detail) {
    Key key = new Key(source, id);
    Entry before = entries.get(key);
    if (before != null && before.reason().equals(reason.tag()) && before.detail().equals(detail)) {
      return;
    }
    entries.put(
        key, new Entry(source, id, name, reason.tag(), detail, reason.fix(), Instant.now()));
    if (warned.add(source + "\0" + id + "\0" + reason.tag())) {
      log.warn(
          "not monitoring {} ({} via {}): {} [{}]; fix: {}",
          name,
          id,
          source,
          detail,
          reason.tag(),
          reason.fix());
    }
  }

  /** The VM is monitored now, or gone. */
  public void withdraw(String source, String id) {
    entries.remove(new Key(source, id));
  }

  /** Withdraws every entry of {@code source} whose id is not in {@code stillUnmonitored}. */
  public void retain(String source, Set<String> stillUnmonitored) {
    Set<String> keep = new HashSet<>(stillUnmonitored);
    entries.keySet().removeIf(k -> k.source().equals(source) && !keep.contains(k.id()));
  }

  public List<Entry> entries() {
    return entries.values().stream()
        .sorted(Comparator.comparing(Entry::source).thenComparing(Entry::name))
        .toList();
  }

  long count(Reason reason) {
    return entries.values().stream().filter(e -> e.reason().equals(reason.tag())).count();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (Reason reason : Reason.values()) {
      Gauge.builder(METRIC, this, u -> u.count(reason))
          .description("VMs or QEMU processes discovery found but cannot monitor, by reason")
          .tag("reason", reason.tag())
          .register(registry);
    }
  }
}
