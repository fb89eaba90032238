/**
 * Stage schedules (paper §4–5, Appendix C): scaling laws (Kaplan et al. 2020, Chinchilla), the multi-stage
 * loss recursion, and the compute-optimal schedule solved with Hipparchus. No ND4J and no model here.
 */
package org.staged.schedule;
