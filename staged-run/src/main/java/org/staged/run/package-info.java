/**
 * Algorithm 1 online (paper §5): one run that trains the original model from scratch, watches the slope of
 * its loss curve, grows the whole training state when the slope reaches τ_G, continues at GROWTH-TARGET on
 * the target's schedule, and stops at OPTIMALITY (τ_opt) or at a budget; resumable at any moment.
 */
package org.staged.run;
