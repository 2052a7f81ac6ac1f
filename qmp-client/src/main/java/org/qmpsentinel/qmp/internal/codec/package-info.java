/**
 * Framing: turns a byte stream into one JSON tree per QMP message (and back), with the limits that
 * keep a misbehaving peer from making us allocate without bound. Not API.
 */
@NullMarked
package org.qmpsentinel.qmp.internal.codec;

import org.jspecify.annotations.NullMarked;
