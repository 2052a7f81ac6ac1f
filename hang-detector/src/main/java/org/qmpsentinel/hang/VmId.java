package org.qmpsentinel.hang;

import java.util.Objects;

/**
 * Identity of a VM. {@code id} is stable across reconnects: the UUID when QEMU has a non-zero one,
 * else the {@code -name}, else the QMP socket's name.
 */
public record VmId(String id, String name, String uuid) {
  public VmId {
    Objects.requireNonNull(id, "id");
    name = name == null ? id : name;
    uuid = uuid == null ? "" : uuid;
  }
}
