/** Event fan-out: per-subscription bounded buffers drained in order off the event loop. Not API. */
package org.qmpsentinel.qmp.internal.events;
