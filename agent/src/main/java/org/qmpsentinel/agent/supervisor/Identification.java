package org.qmpsentinel.agent.supervisor;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.qmpsentinel.qmp.KvmInfo;
import org.qmpsentinel.qmp.QmpCommands;
import org.qmpsentinel.qmp.QmpConnection;
import org.qmpsentinel.qmp.StatusInfo;

/**
 * Identifies the VM behind a fresh connection: name, UUID, accelerator, whether {@code query-stats}
 * exists, and its run state. Five commands, pipelined, none of which touches a vCPU.
 */
final class Identification {
  private Identification() {}

  static CompletableFuture<Identity> identify(
      QmpConnection c, CommandRunner runner, String discoveredName, boolean kvmStatsWanted) {
    CompletableFuture<Optional<String>> nameF = runner.run(c, QmpCommands.queryName());
    CompletableFuture<String> uuidF = runner.run(c, QmpCommands.queryUuid());
    CompletableFuture<Set<String>> commandsF = runner.run(c, QmpCommands.queryCommands());
    CompletableFuture<KvmInfo> kvmF = runner.run(c, QmpCommands.queryKvm());
    CompletableFuture<StatusInfo> statusF = runner.run(c, QmpCommands.queryStatus());
    return CompletableFuture.allOf(nameF, uuidF, commandsF, kvmF, statusF)
        .thenApply(
            ignored -> {
              String name = nameF.join().filter(n -> !n.isBlank()).orElse(discoveredName);
              String uuid = isZeroUuid(uuidF.join()) ? "" : uuidF.join();
              boolean kvm = kvmF.join().enabled();
              boolean stats = kvmStatsWanted && kvm && commandsF.join().contains("query-stats");
              return new Identity(
                  name,
                  uuid,
                  c.greeting().version().toString(),
                  c.greeting().version().pkg(),
                  kvm,
                  stats,
                  statusF.join());
            });
  }

  private static boolean isZeroUuid(String u) {
    return u.isBlank() || u.replace("-", "").chars().allMatch(ch -> ch == '0');
  }
}
