/** Evaluation metrics: sliding-window perplexity over a token stream, through a small scorer interface. */
package org.staged.eval.metrics;
