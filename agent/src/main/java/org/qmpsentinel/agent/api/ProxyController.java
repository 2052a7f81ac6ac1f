package org.qmpsentinel.agent.api;

import java.util.List;
import org.qmpsentinel.agent.proxy.ProxyInfo;
import org.qmpsentinel.agent.proxy.ProxyService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The QMP safety proxy's sockets and their clients (empty while the proxy is off). */
@RestController
@RequestMapping("/api/v1")
public class ProxyController {
  private final ProxyService proxy;

  public ProxyController(ProxyService proxy) {
    this.proxy = proxy;
  }

  @GetMapping("/proxies")
  public List<ProxyInfo> proxies() {
    return proxy.proxies();
  }
}
