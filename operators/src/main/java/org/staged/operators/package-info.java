/**
 * Growth operators as plugins: the paper's width and depth operators (§3), and the zero-optimizer-state
 * ablations (§6.3).
 */
package org.staged.operators;
