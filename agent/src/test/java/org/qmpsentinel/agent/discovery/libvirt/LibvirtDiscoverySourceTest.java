package org.qmpsentinel.agent.discovery.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmpsentinel.agent.discovery.DiscoveredVm;

class LibvirtDiscoverySourceTest {
  static final String STATUS =
      """
      <domstatus state='running' reason='booted' pid='4242'>
        <monitor path='/var/lib/libvirt/qemu/domain-3-web1/monitor.sock' type='unix'/>
        <domain type='kvm' id='3' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
          <name>web1</name>
          <uuid>8d5b2c64-0b7e-4a55-9b0a-6c8d2c1e4f10</uuid>
          <vcpu placement='static'>4</vcpu>
          <qemu:commandline>
            <qemu:arg value='-qmp'/>
            <qemu:arg value='unix:/run/qmp-sentinel/web1.qmp,server=on,wait=off'/>
          </qemu:commandline>
        </domain>
      </domstatus>
      """;

  @Test
  void readsNameUuidPidAndTheExtraSocketNeverLibvirtsOwnMonitor(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("web1.xml"), STATUS);
    Files.writeString(
        dir.resolve("db1.xml"),
        STATUS
            .replace("web1", "db1")
            .replace("<qemu:commandline>", "<x>")
            .replace("</qemu:commandline>", "</x>")
            .replace("qemu:arg", "y"));
    Files.writeString(dir.resolve("broken.xml"), "<domstatus");
    Files.writeString(
        dir.resolve("evil.xml"),
        "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domstatus>&x;</domstatus>");
    List<DiscoveredVm> found = new LibvirtDiscoverySource(dir).scan();
    assertThat(found)
        .singleElement()
        .satisfies(
            vm -> {
              assertThat(vm.source()).isEqualTo("libvirt");
              assertThat(vm.name()).isEqualTo("web1");
              assertThat(vm.uuid()).hasValue("8d5b2c64-0b7e-4a55-9b0a-6c8d2c1e4f10");
              assertThat(vm.pid()).hasValue(4242);
              assertThat(vm.endpoint().toString()).isEqualTo("unix:/run/qmp-sentinel/web1.qmp");
            });
  }

  @Test
  void missingDirectoryMeansNoLibvirt(@TempDir Path dir) throws Exception {
    assertThat(new LibvirtDiscoverySource(dir.resolve("absent")).scan()).isEmpty();
  }
}
