/** The intrusion table derived from QEMU 7.2's monitor code, and per-VM admission. Not API. */
@NullMarked
package org.qmpsentinel.hang.internal.policy;

import org.jspecify.annotations.NullMarked;
