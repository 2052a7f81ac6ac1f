/**
 * What this build of the agent is: version, source revision and the Java running it, read from the
 * build-info and git properties the Maven build puts into the jar, for {@code --version}, {@code
 * /actuator/info} and the {@code qmp_sentinel_build_info} metric.
 */
@NullMarked
package org.qmpsentinel.agent.build;

import org.jspecify.annotations.NullMarked;
