/**
 * GPT-2 (pre-LN) with forward and backward passes written by hand in ND4J, its initialisation, Adam on a
 * packed training state, and the training-speed benchmark. See nanoGPT's {@code model.py} for the layout.
 */
package org.staged.models;
