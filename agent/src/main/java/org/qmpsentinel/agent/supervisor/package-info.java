/**
 * One supervisor per VM: keeps its QMP connection, polls only non-intrusive state, feeds the VM's
 * {@link org.qmpsentinel.hang.VmWatch}, and gates every synchronizing command through the intrusion
 * policy. Plain Java (no Spring) so that test harnesses run exactly the agent's code.
 */
@NullMarked
package org.qmpsentinel.agent.supervisor;

import org.jspecify.annotations.NullMarked;
