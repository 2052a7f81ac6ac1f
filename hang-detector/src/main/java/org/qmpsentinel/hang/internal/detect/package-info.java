/** The detectors and the per-VM bookkeeping they share. Not API. */
package org.qmpsentinel.hang.internal.detect;
