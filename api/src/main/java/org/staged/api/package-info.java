/**
 * Core types of the suite: the model shape ({@link org.staged.api.ModelConfig}), the whole training state
 * T = {θ, (m, v), λ(t)} that growth operators transform ({@link org.staged.api.TrainingState}), and the
 * learning-rate schedule λ(t) ({@link org.staged.api.LrSchedule}). See Shen et al. (ICML 2022) §2–3.
 */
package org.staged.api;
