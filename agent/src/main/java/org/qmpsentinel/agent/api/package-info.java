/** The HTTP API: VM state, active hangs, and policy-gated HMP passthrough. */
package org.qmpsentinel.agent.api;
