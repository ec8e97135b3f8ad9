"""handouts: worked-solution handouts for the gradients of small neural networks."""

__version__ = "0.1.0"
