/**
 * Growth operators as plugins: the paper's width and depth operators (§3), prior work (progressive stacking,
 * feed-forward sharing, tiling) and the zero-optimizer-state
 * ablations (§6.3).
 */
package org.staged.operators;
