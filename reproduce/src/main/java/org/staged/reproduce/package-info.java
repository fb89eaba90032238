/** The {@code staged} command line and the jobs that reproduce the paper's tables and figures. */
package org.staged.reproduce;
