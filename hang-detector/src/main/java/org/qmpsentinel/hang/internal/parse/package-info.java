/** Tolerant parser of QEMU's x86 {@code info registers} text. Not API. */
package org.qmpsentinel.hang.internal.parse;
