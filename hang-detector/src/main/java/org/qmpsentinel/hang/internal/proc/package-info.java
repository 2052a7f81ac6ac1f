/** procfs reads of vCPU thread CPU time. Not API. */
package org.qmpsentinel.hang.internal.proc;
