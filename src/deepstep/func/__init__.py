"""PyTorch's torch.func: function transforms over deepstep's autograd.

    functional_call(module, θ, x)   module(x) computed with the tensors θ in place of its parameters
    grad(f)(x) = ∇ₓ f(x)            vjp / jvp / jacrev / jacfwd: first derivatives of f
    vmap(f)(X) = stack(f(x) for x in X)

Together they give per-example gradients, vmap(grad(loss), in_dims=(None, 0, 0))(θ, X, Y), and
model ensembles, vmap(functional_call-wrapper)(stacked θ, x). What differs from PyTorch, and why:
no second derivatives (deepstep's backward passes record no graph, so grad(grad(f)) and hessian
raise NotImplementedError); jvp and jacfwd use reverse passes (deepstep has no forward mode); vmap
calls f once per example (deepstep has no batching rules), which gives the same values.
"""

from .stateless import functional_call, stack_module_state
from .transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp
from .vectorized import vmap

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "stack_module_state",
    "vjp",
    "vmap",
]
