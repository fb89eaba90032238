package org.staged.schedule;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.constrained.TwiceDifferentiableFunction;
import org.testng.annotations.Test;

public class NewtonSqpTest {
    /** f(y) = (y₁ − 1)² + 4·(y₂ + 1)² + c·y₁, a quadratic (c = 0) or, with curvature removed, a plane. */
    private static TwiceDifferentiableFunction f(boolean flat) {
        return new TwiceDifferentiableFunction() {
            @Override
            public int dim() {
                return 2;
            }

            @Override
            public double value(RealVector y) {
                return flat ? -y.getEntry(0) - y.getEntry(1)
                        : Math.pow(y.getEntry(0) - 1, 2) + 4 * Math.pow(y.getEntry(1) + 1, 2);
            }

            @Override
            public RealVector gradient(RealVector y) {
                return flat ? new ArrayRealVector(new double[] {-1, -1})
                        : new ArrayRealVector(new double[] {2 * (y.getEntry(0) - 1), 8 * (y.getEntry(1) + 1)});
            }

            @Override
            public RealMatrix hessian(RealVector y) {
                return flat ? MatrixUtils.createRealMatrix(2, 2)
                        : new Array2DRowRealMatrix(new double[][] {{2, 0}, {0, 8}});
            }
        };
    }

    @Test
    public void anActiveConstraintGivesTheConstrainedMinimum() {
        // y₂ ≥ 0 cuts off the unconstrained minimum (1, −1): the constrained one is (1, 0)
        RealMatrix a = new Array2DRowRealMatrix(new double[][] {{0, 1}});
        NewtonSqp.Result r = NewtonSqp.minimise(f(false), a, new ArrayRealVector(1), new double[] {3, 2});
        assertTrue(r.converged(), r.why());
        assertEquals(r.y()[0], 1, 1e-8);
        assertEquals(r.y()[1], 0, 1e-8);
        NewtonSqp.Result free = NewtonSqp.minimise(f(false), a, new ArrayRealVector(new double[] {-5}),
                new double[] {3, 2});
        assertTrue(free.converged() && Math.abs(free.y()[1] + 1) < 1e-12, "an inactive constraint: a Newton step");
    }

    @Test
    public void aFunctionWithoutAMinimumIsReportedNotReturnedAsOne() {
        RealMatrix a = new Array2DRowRealMatrix(new double[][] {{-1, 0}});   // y₁ ≤ 10, y₂ free
        NewtonSqp.Result r = NewtonSqp.minimise(f(true), a, new ArrayRealVector(new double[] {-10}), new double[] {0, 0});
        assertFalse(r.converged());
        assertTrue(r.why().contains("no convergence"), r.why());
    }
}
