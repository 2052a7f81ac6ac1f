package org.qmpsentinel.agent.discovery.libvirt;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.jspecify.annotations.Nullable;
import org.qmpsentinel.agent.discovery.DiscoveredVm;
import org.qmpsentinel.agent.discovery.DiscoverySource;
import org.qmpsentinel.agent.discovery.QemuCommandLine;
import org.qmpsentinel.qmp.QmpEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Reads {@code /run/libvirt/qemu/*.xml}: libvirt's status file of each running domain ({@code
 * <domstatus pid=...>} around the live {@code <domain>}). A domain is reported when its {@code
 * <qemu:commandline>} adds a QMP socket ({@code -qmp unix:...} or {@code -chardev socket} + {@code
 * -mon mode=control}); libvirt's own monitor socket is never used, since a QMP socket serves one
 * client and libvirt needs it.
 */
public final class LibvirtDiscoverySource implements DiscoverySource {
  static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
  private static final Logger log = LoggerFactory.getLogger(LibvirtDiscoverySource.class);

  private final Path statusDir;
  private final DocumentBuilderFactory xml;
  private final Set<String> warnedNoSocket = new HashSet<>();

  public LibvirtDiscoverySource(Path statusDir) {
    this.statusDir = statusDir;
    this.xml = DocumentBuilderFactory.newInstance();
    xml.setNamespaceAware(true);
    try {
      // Status files are root-written, but parse them like any input: no DTDs, no entities.
      xml.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      xml.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException(e);
    }
    xml.setExpandEntityReferences(false);
  }

  @Override
  public String name() {
    return "libvirt";
  }

  @Override
  public List<DiscoveredVm> scan() throws IOException {
    List<DiscoveredVm> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(statusDir, "*.xml")) {
      for (Path file : files) {
        parse(file).ifPresent(found::add);
      }
    } catch (NoSuchFileException e) {
      return List.of(); // libvirt not installed or not running
    }
    return found;
  }

  Optional<DiscoveredVm> parse(Path file) {
    Document doc;
    try (InputStream in = Files.newInputStream(file)) {
      DocumentBuilder builder = xml.newDocumentBuilder();
      doc = builder.parse(in);
    } catch (IOException | SAXException | ParserConfigurationException e) {
      log.debug("skipping unreadable libvirt status file {}: {}", file, e.toString());
      return Optional.empty();
    }
    Element root = doc.getDocumentElement();
    Element domain = "domain".equals(root.getLocalName()) ? root : first(root, "domain");
    if (domain == null) {
      return Optional.empty();
    }
    String name = text(domain, "name");
    String uuid = text(domain, "uuid");
    OptionalLong pid = OptionalLong.empty();
    if (root.hasAttribute("pid")) {
      try {
        pid = OptionalLong.of(Long.parseLong(root.getAttribute("pid")));
      } catch (NumberFormatException e) {
        // leave it empty: the socket's peer credentials give the pid anyway
      }
    }
    List<String> argv = new ArrayList<>();
    NodeList args = domain.getElementsByTagNameNS(QEMU_NS, "arg");
    for (int i = 0; i < args.getLength(); i++) {
      argv.add(((Element) args.item(i)).getAttribute("value"));
    }
    List<Path> sockets = QemuCommandLine.qmpSockets(argv);
    if (sockets.isEmpty()) {
      if (name != null && warnedNoSocket.add(name)) {
        log.info(
            "libvirt domain {} has no extra QMP socket for qmp-sentinel (see README, libvirt)",
            name);
      }
      return Optional.empty();
    }
    return Optional.of(
        new DiscoveredVm(
            name(),
            name == null ? file.getFileName().toString() : name,
            QmpEndpoint.unix(sockets.get(0)),
            Optional.ofNullable(uuid),
            pid));
  }

  private static @Nullable Element first(Element parent, String localName) {
    NodeList list = parent.getElementsByTagNameNS("*", localName);
    for (int i = 0; i < list.getLength(); i++) {
      if (list.item(i).getParentNode() == parent) {
        return (Element) list.item(i);
      }
    }
    return null;
  }

  private static @Nullable String text(Element parent, String localName) {
    Element e = first(parent, localName);
    return e == null ? null : e.getTextContent().trim();
  }
}
