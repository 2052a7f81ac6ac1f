/**
 * The {@code sentinel.*} configuration, bound and validated at startup: a bad value stops the agent
 * with the property's name in the error.
 */
@NullMarked
package org.qmpsentinel.agent.config;

import org.jspecify.annotations.NullMarked;
