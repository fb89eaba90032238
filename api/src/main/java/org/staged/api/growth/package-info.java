/**
 * The growth-operator SPI (paper §2–3): {@link org.staged.api.growth.GrowthOperator}, its claims, the
 * schedule continuation of Eq. 9, and the {@link org.staged.api.growth.GrowthOperators} registry that discovers
 * plugins with {@link java.util.ServiceLoader} and composes them into stages.
 */
package org.staged.api.growth;
