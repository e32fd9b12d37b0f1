"""Probability distributions with differentiable log-densities, entropies, KL divergences and
reparameterised samples, as torch.distributions.

Each family is a small class built from deepstep's tensor ops, so gradients reach its parameters
through log_prob, cdf, entropy, kl_divergence and rsample (x = μ + σ·ε for a Normal: the VAE's
reparameterisation trick). Shapes, values, constraints and errors follow PyTorch; samples come from
NumPy generators (`generator=` or `seed=`, else the library generator of deepstep.manual_seed), so
they have PyTorch's distributions but not its random streams.

    q = Normal(mu, (logvar / 2).exp())
    z = q.rsample()                                      # differentiable in mu and logvar
    kl = kl_divergence(q, Normal(0.0, 1.0)).sum()
"""

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution, ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .uniform import Uniform

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "ExponentialFamily",
    "Gamma",
    "Independent",
    "Laplace",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
