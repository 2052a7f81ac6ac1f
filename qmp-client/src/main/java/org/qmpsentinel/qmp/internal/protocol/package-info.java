/**
 * The QMP session state machine (greeting, capabilities negotiation, ready, closed) and the
 * registry matching replies to commands by id. Runs on the connection's event loop. Not API.
 */
@NullMarked
package org.qmpsentinel.qmp.internal.protocol;

import org.jspecify.annotations.NullMarked;
