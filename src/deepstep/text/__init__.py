"""word2vec: skip-gram and CBOW with negative sampling (the `text` extra: numba), word vectors
and their evaluations, gensim's API.

`sgns_loss_and_grad` is the notes' formula in NumPy; the compiled trainer takes exactly its step.
"""

from .corpus import LineSentence
from .keyed_vectors import KeyedVectors
from .sgns import sgns_loss_and_grad
from .vocab import Vocabulary
from .word2vec import Callback, Word2Vec

__all__ = ["Callback", "KeyedVectors", "LineSentence", "Vocabulary", "Word2Vec", "sgns_loss_and_grad"]
