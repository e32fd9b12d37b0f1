"""Pictures (matplotlib, the `plot` extra): learning curves, decision boundaries, image grids,
latent spaces, convolution filters, GAN losses, word vectors, attention weights and language
models' curves."""

from .boundaries import plot_decision_boundary, predict_classes
from .curves import plot_history
from .embeddings import plot_embeddings
from .images import image_grid, plot_filters, plot_gan_losses, plot_latent_space
from .language import plot_attention, plot_loss_curves

__all__ = [
    "image_grid",
    "plot_attention",
    "plot_decision_boundary",
    "plot_embeddings",
    "plot_filters",
    "plot_gan_losses",
    "plot_history",
    "plot_latent_space",
    "plot_loss_curves",
    "predict_classes",
]
