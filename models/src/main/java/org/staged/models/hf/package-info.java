/**
 * Hugging Face {@code transformers} GPT-2 folders as training states and back: the fused {@code c_attn} split into
 * q, k and v and joined again, the configuration mapped key by key.
 */
package org.staged.models.hf;
