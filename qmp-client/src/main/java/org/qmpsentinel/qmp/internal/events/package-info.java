/** Event fan-out: per-subscription bounded buffers drained in order off the event loop. Not API. */
@NullMarked
package org.qmpsentinel.qmp.internal.events;

import org.jspecify.annotations.NullMarked;
