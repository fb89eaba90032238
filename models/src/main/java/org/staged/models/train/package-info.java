/**
 * Training one stage: token batches, the trainer loop, its CSV loss log, progress display and whole-state
 * checkpoints in safetensors format.
 */
package org.staged.models.train;
