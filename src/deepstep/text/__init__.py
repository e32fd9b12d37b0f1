"""word2vec: skip-gram and CBOW with negative sampling (the `text` extra: numba), word vectors
and their evaluations, gensim's API; and text for language models (a character tokenizer, token
streams, the bundled King James Bible).

`sgns_loss_and_grad` is the notes' formula in NumPy; the compiled trainer takes exactly its step.
"""

from .chars import CharTokenizer, TokenStream, load_kjv, read_corpus
from .corpus import LineSentence, kjv_sentences
from .keyed_vectors import KeyedVectors
from .sgns import sgns_loss_and_grad
from .vocab import Vocabulary
from .word2vec import Callback, Word2Vec

__all__ = [
    "Callback",
    "CharTokenizer",
    "KeyedVectors",
    "LineSentence",
    "TokenStream",
    "Vocabulary",
    "Word2Vec",
    "kjv_sentences",
    "load_kjv",
    "read_corpus",
    "sgns_loss_and_grad",
]
