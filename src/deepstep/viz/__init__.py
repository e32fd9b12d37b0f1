"""Pictures (matplotlib, the `plot` extra): learning curves, decision boundaries, image grids,
latent spaces, convolution filters, GAN losses and word vectors."""

from .boundaries import plot_decision_boundary, predict_classes
from .curves import plot_history
from .embeddings import plot_embeddings
from .images import image_grid, plot_filters, plot_gan_losses, plot_latent_space

__all__ = [
    "image_grid",
    "plot_decision_boundary",
    "plot_embeddings",
    "plot_filters",
    "plot_gan_losses",
    "plot_history",
    "plot_latent_space",
    "predict_classes",
]
