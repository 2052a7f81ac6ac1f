/** Implementation of the public API: the connection, client and supervisor. Not API. */
@NullMarked
package org.qmpsentinel.qmp.internal;

import org.jspecify.annotations.NullMarked;
