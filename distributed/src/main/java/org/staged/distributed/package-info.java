/**
 * A preset's runs as Apache Spark tasks ({@code staged reproduce --spark}): {@link org.staged.distributed.Spark}
 * opens the cluster, each run is one task that owns its folder under a lease, and the driver reads finished runs
 * back from the shared results folder.
 */
package org.staged.distributed;
