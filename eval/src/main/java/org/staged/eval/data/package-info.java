/** The data directory, JSON-lines and plain-text readers, and the seeded train/validation split. */
package org.staged.eval.data;
