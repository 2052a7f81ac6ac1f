/**
 * Implementation of {@link org.qmpsentinel.hang.VmWatch}: wiring of ledger, detectors, policy. Not
 * API.
 */
@NullMarked
package org.qmpsentinel.hang.internal;

import org.jspecify.annotations.NullMarked;
