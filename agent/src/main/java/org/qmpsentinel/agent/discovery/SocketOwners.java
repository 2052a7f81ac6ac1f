package org.qmpsentinel.agent.discovery;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Who may own a socket that discovery reports ({@code sentinel.discovery.socket-owners}): user
 * names or uids, and {@code group:NAME} or {@code group:GID} for the socket's group. Names are
 * compared with the names the host gives the file's uid and gid when it is read, so nothing is
 * resolved at start-up: a user that does not exist on this host matches nothing (the default names
 * the QEMU users of several distributions), and one created later is recognised from then on. The
 * agent's own user is always admitted: a socket it could have made itself proves nothing.
 *
 * @param users user names and uids (as text)
 * @param groups group names and gids (as text), without the {@code group:} prefix
 * @param agentUid the agent's effective uid, if known
 */
public record SocketOwners(Set<String> users, Set<String> groups, OptionalLong agentUid) {
  private static final String GROUP = "group:";

  public SocketOwners {
    users = Set.copyOf(users);
    groups = Set.copyOf(groups);
  }

  /** The entries of {@code sentinel.discovery.socket-owners}, plus the agent's own user. */
  public static SocketOwners of(List<String> entries) {
    Set<String> users = new LinkedHashSet<>();
    Set<String> groups = new LinkedHashSet<>();
    for (String entry : entries) {
      if (entry.startsWith(GROUP)) {
        groups.add(entry.substring(GROUP.length()));
      } else {
        users.add(entry);
      }
    }
    return new SocketOwners(users, groups, currentUid());
  }

  boolean admits(SocketFile file) {
    return (agentUid.isPresent() && agentUid.getAsLong() == file.uid())
        || users.contains(file.user())
        || users.contains(Long.toString(file.uid()))
        || groups.contains(file.group())
        || groups.contains(Long.toString(file.gid()));
  }

  private static OptionalLong currentUid() {
    return ProcessUids.read(Path.of("/proc/self/status"))
        .map(u -> OptionalLong.of(u.effective()))
        .orElse(OptionalLong.empty()); // no /proc: only the listed owners
  }

  /** For tests: the given entries and the given agent uid. */
  static SocketOwners of(List<String> entries, long agentUid) {
    SocketOwners o = of(entries);
    return new SocketOwners(o.users(), o.groups(), OptionalLong.of(agentUid));
  }
}
