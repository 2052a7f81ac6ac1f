/**
 * The qmp-sentinel daemon: discovers local QEMU instances, runs one supervisor per VM that polls
 * only non-intrusive state, feeds hang-detector, and exposes metrics, alerts and an HTTP API.
 */
@NullMarked
package org.qmpsentinel.agent;

import org.jspecify.annotations.NullMarked;
