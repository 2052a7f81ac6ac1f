/**
 * Implementation of {@link org.qmpsentinel.hang.VmWatch}: wiring of ledger, detectors, policy. Not
 * API.
 */
package org.qmpsentinel.hang.internal;
