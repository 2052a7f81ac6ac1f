/**
 * The QMP safety proxy: a unix socket per connected VM through which other tools speak full QMP to
 * the VM over the agent's own session, each command first passing the VM's intrusion policy. A
 * consumer beside the API: it reads what supervisors publish and asks them, never the reverse.
 */
@NullMarked
package org.qmpsentinel.agent.proxy;

import org.jspecify.annotations.NullMarked;
