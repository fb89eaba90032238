/** Tokenizers behind one interface: bytes, GPT-2's BPE (jtokkit), and a byte-level BPE trained on the run's text. */
package org.staged.eval.text;
