/** Tolerant parser of QEMU's x86 {@code info registers} text. Not API. */
@NullMarked
package org.qmpsentinel.hang.internal.parse;

import org.jspecify.annotations.NullMarked;
