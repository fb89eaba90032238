/** The conformance kit: measures a growth operator's claims on a real model (paper Eq. 1, 5, 6, 9). */
package org.staged.operators.kit;
