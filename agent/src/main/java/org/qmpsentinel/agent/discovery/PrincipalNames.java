package org.qmpsentinel.agent.discovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * User and group names by uid and gid, remembered for a minute. Turning a uid into a name costs an
 * NSS look-up (on most hosts a read of {@code /etc/passwd}), twice per socket; a scan of a thousand
 * sockets every second would spend more on that than the agent spends on its VMs. A minute keeps a
 * user created or renamed later from going unnoticed for long.
 */
final class PrincipalNames {
  private static final long TTL_NANOS = 60_000_000_000L;

  private final LongSupplier clock;
  private final Map<Long, String> users = new HashMap<>();
  private final Map<Long, String> groups = new HashMap<>();
  private long filledAt;

  PrincipalNames(LongSupplier clock) {
    this.clock = clock;
    this.filledAt = clock.getAsLong();
  }

  /** The names of {@code path}'s owner and group (as read from the file on a cache miss). */
  synchronized String[] of(Path path, long uid, long gid) throws IOException {
    long now = clock.getAsLong();
    if (now - filledAt > TTL_NANOS) {
      users.clear();
      groups.clear();
      filledAt = now;
    }
    String user = users.get(uid);
    String group = groups.get(gid);
    if (user == null || group == null) {
      Map<String, Object> a =
          Files.readAttributes(path, "unix:owner,group", LinkOption.NOFOLLOW_LINKS);
      user = ((UserPrincipal) SocketFile.attribute(a, "owner")).getName();
      group = ((GroupPrincipal) SocketFile.attribute(a, "group")).getName();
      users.put(uid, user);
      groups.put(gid, group);
    }
    return new String[] {user, group};
  }
}
