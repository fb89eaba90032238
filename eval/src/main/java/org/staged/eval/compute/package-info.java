/** Compute accounting: the compute-savings metric of the paper's Tables 1–2 and aggregation over seeds. */
package org.staged.eval.compute;
