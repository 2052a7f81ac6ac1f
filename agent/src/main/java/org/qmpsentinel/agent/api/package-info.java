/** The HTTP API: VM state, active hangs, and policy-gated HMP passthrough. */
@NullMarked
package org.qmpsentinel.agent.api;

import org.jspecify.annotations.NullMarked;
