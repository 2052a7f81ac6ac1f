package org.qmpsentinel.agent.api;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The HMP commands an API caller may run at all: reads of VM state, nothing that writes host files
 * ({@code memsave}, {@code pmemsave}, {@code dump-guest-memory}, {@code screendump}), runs host
 * commands ({@code migrate "exec:…"}), changes the VM's life ({@code quit}, {@code system_reset},
 * {@code stop}, {@code cont}, …) or its devices and chardevs. Everything else, including anything
 * this list does not know, is refused whatever the boot phase; the intrusion policy then decides
 * <em>when</em> an allowed read may run.
 */
final class HmpAllowList {
  /** {@code info} subcommands that only read state (QEMU 7.2 hmp-commands-info.hx). */
  private static final Set<String> INFO =
      Set.of(
          "balloon",
          "block",
          "blockstats",
          "chardev",
          "cpus",
          "hotpluggable-cpus",
          "iothreads",
          "irq",
          "kvm",
          "lapic",
          "mem",
          "memdev",
          "memory-devices",
          "memory_size_summary",
          "mtree",
          "name",
          "network",
          "numa",
          "pci",
          "pic",
          "qtree",
          "registers",
          "roms",
          "status",
          "tlb",
          "uuid",
          "version");

  /**
   * Other read-only commands: guest memory and register reads ({@code x}, {@code xp}, {@code p}).
   */
  private static final Set<String> READS = Set.of("x", "xp", "print", "p");

  private HmpAllowList() {}

  /** Empty when allowed; otherwise why not, for the 403 and the audit line. */
  static Optional<String> refusal(String commandLine) {
    if (commandLine.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return Optional.of("control characters are not allowed in an HMP command line");
    }
    String[] words = commandLine.trim().split("\\s+");
    String command = words[0].toLowerCase(Locale.ROOT);
    if (command.equals("info") || command.equals("i")) {
      String sub = words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : "";
      return INFO.contains(sub)
          ? Optional.empty()
          : Optional.of("'info " + sub + "' is not on the read-only allow-list");
    }
    if (READS.contains(command)) {
      return Optional.empty();
    }
    return Optional.of(
        "'"
            + command
            + "' is not on the read-only allow-list (only info and memory/register reads)");
  }
}
