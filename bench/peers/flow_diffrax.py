"""Gradient flow of kernel-rich's diagonal model in JAX with diffrax, as a
researcher would write it: the (u, v) ODE

    u′ = −D·u^{D−1}·g,  v′ = D·v^{D−1}·g,  g = Xᵀ(X(u^D − v^D) − y)/n,

from u = v = α, integrated by Kvaerno5 (diffrax's implicit ESDIRK method for
stiff problems; its Newton iterations use the Jacobian of the vector field,
formed by JAX's autodiff) with a PID step-size controller at --rtol/--atol,
until ‖Xw − y‖ ≤ tol·‖y‖ (an Event) or --t-max. One solve per (depth, α),
jitted once per depth; Float64; the time includes compilation.

    python flow_diffrax.py DATA_DIR OUT.npz [--tol 1e-6] [--alphas 0.001,0.01,0.1] [--depths 2,3]
                                            [--rtol 1e-8] [--atol 1e-12] [--t-max 1e15] [--max-steps 100000]
"""
import diffrax
import jax
import jax.numpy as jnp
import numpy as np

from peer import Peer

jax.config.update("jax_enable_x64", True)

run = Peer(tol=1e-6, alphas="0.001,0.01,0.1", depths="2,3", rtol=1e-8, atol=1e-12, t_max=1e15, max_steps=100000)
args = run.args
X, y = jnp.asarray(run.X), jnp.asarray(run.y)
n, d = X.shape
threshold = args.tol * float(jnp.linalg.norm(y))
alphas = [float(a) for a in args.alphas.split(",")]
depths = [int(a) for a in args.depths.split(",")]


def solver_for(depth):
    def field(t, state, _):
        u, v = state
        g = X.T @ (X @ (u ** depth - v ** depth) - y) / n
        return -depth * u ** (depth - 1) * g, depth * v ** (depth - 1) * g

    def converged(t, state, _, **__):
        u, v = state
        return jnp.linalg.norm(X @ (u ** depth - v ** depth) - y) <= threshold

    @jax.jit
    def solve(alpha):
        start = jnp.full(d, alpha)
        solution = diffrax.diffeqsolve(
            diffrax.ODETerm(field), diffrax.Kvaerno5(), t0=0.0, t1=args.t_max, dt0=None, y0=(start, start),
            stepsize_controller=diffrax.PIDController(rtol=args.rtol, atol=args.atol),
            event=diffrax.Event(converged), max_steps=args.max_steps, throw=False)
        u, v = solution.ys
        return u[-1] ** depth - v[-1] ** depth, solution.ts[-1], solution.stats["num_steps"], solution.result._value
    return solve


weights, times, steps, results = [], [], [], []
for depth in depths:
    solve = solver_for(depth)
    for alpha in alphas:
        w, t, count, result = jax.block_until_ready(solve(alpha))
        weights.append(np.asarray(w))
        times.append(float(t))
        steps.append(int(count))
        results.append(int(result))
run.stop()
run.finish(weights=np.array(weights), time=np.array(times), steps=np.array(steps), result=np.array(results),
           alphas=np.array([a for _ in depths for a in alphas]), depths=np.array([D for D in depths for _ in alphas]))
