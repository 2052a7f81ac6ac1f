package org.qmpsentinel.agent.proxy;

import java.util.List;

/**
 * One VM's proxy socket as the API shows it.
 *
 * @param vm the VM's name
 * @param key the agent's key of the VM (its endpoint)
 * @param path the proxy socket
 * @param mode {@code deny} or {@code defer}: what a command the policy refuses now gets
 * @param upstreamConnected whether the agent's own session to QEMU is up (clients are served)
 */
public record ProxyInfo(
    String vm,
    String key,
    String path,
    String mode,
    boolean upstreamConnected,
    List<ClientInfo> clients) {}
