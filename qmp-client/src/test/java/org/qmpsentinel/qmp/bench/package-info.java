/** Benchmarks of the client against real QEMU and fakes; run with {@code -Pbench}, never in CI. */
@NullMarked
package org.qmpsentinel.qmp.bench;

import org.jspecify.annotations.NullMarked;
