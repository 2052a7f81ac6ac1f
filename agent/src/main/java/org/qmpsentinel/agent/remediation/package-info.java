/** Optional automatic system_reset of VMs confirmed stuck at boot, rate-limited per VM. */
package org.qmpsentinel.agent.remediation;
