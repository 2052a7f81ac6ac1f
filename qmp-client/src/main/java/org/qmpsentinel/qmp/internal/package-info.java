/** Implementation of the public API: the connection, client and supervisor. Not API. */
package org.qmpsentinel.qmp.internal;
