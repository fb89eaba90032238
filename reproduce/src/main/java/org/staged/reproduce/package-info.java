/** The main job: a preset's runs, their evaluation, and the paper's tables, figures and report. */
package org.staged.reproduce;
