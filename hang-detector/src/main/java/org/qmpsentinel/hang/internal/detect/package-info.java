/** The detectors and the per-VM bookkeeping they share. Not API. */
@NullMarked
package org.qmpsentinel.hang.internal.detect;

import org.jspecify.annotations.NullMarked;
