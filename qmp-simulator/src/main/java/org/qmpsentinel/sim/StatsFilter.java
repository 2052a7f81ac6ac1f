package org.qmpsentinel.sim;

import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What a {@code query-stats} asks for: {@code target} vcpu, optionally {@code vcpus} (QOM paths)
 * and {@code providers} with optional {@code names}. Null sets mean "all".
 *
 * @param any false when nothing can match (another target, or no kvm provider asked for)
 */
record StatsFilter(boolean any, @Nullable Set<String> names, @Nullable Set<String> vcpus) {
  static final StatsFilter ALL = new StatsFilter(true, null, null);

  static StatsFilter of(@Nullable JsonNode arguments) {
    if (arguments == null || !"vcpu".equals(arguments.path("target").asString(null))) {
      return new StatsFilter(false, null, null); // target vm is not simulated: an empty list
    }
    Set<String> vcpus = strings(arguments.get("vcpus"));
    JsonNode providers = arguments.get("providers");
    if (providers == null || !providers.isArray()) {
      return new StatsFilter(true, null, vcpus);
    }
    boolean kvm = false;
    Set<String> names = new HashSet<>();
    boolean allNames = false;
    for (JsonNode p : providers) {
      if (!"kvm".equals(p.path("provider").asString(null))) {
        continue;
      }
      kvm = true;
      Set<String> n = strings(p.get("names"));
      if (n == null) {
        allNames = true;
      } else {
        names.addAll(n);
      }
    }
    return new StatsFilter(kvm, allNames ? null : names, vcpus);
  }

  private static @Nullable Set<String> strings(@Nullable JsonNode array) {
    if (array == null || !array.isArray()) {
      return null;
    }
    Set<String> out = new HashSet<>();
    array.forEach(n -> out.add(n.asString("")));
    return out;
  }

  boolean wantsVcpu(String qomPath) {
    return any && (vcpus == null || vcpus.contains(qomPath));
  }

  boolean wantsStat(String name) {
    return names == null || names.contains(name);
  }
}
