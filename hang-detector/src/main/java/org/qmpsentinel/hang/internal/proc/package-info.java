/** procfs reads of vCPU thread CPU time. Not API. */
@NullMarked
package org.qmpsentinel.hang.internal.proc;

import org.jspecify.annotations.NullMarked;
