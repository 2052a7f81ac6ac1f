/** Optional automatic system_reset of VMs confirmed stuck at boot, rate-limited per VM. */
@NullMarked
package org.qmpsentinel.agent.remediation;

import org.jspecify.annotations.NullMarked;
