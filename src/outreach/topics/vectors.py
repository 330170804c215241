"""Message vectors: lemma TF-IDF, smoothed by Kiwi's word embeddings.

Why this mix (measured on tests/data/topics, see docs/topics.md):

* lemma TF-IDF alone leaves short messages about one subject apart when they use
  different words (주차장 / 주정차, 어린이집 / 보육);
* Kiwi's CoNg language model (shipped in the kiwipiepy_model wheel, offline, CPU)
  knows which Korean morphemes are used alike. Its raw similarities run high for
  any pair (median 0.39, 99th percentile 0.74), so only each term's three nearest
  neighbours above 0.6 are kept, at half weight: a soft synonym table built for the
  words of this very batch;
* character 2-3-grams (for typos and spacing: 주차장ㅇ, 불법 주차 / 불법주차) were
  measured and do not help: Kiwi already reads most typos and missing spaces, and
  the n-grams of endings (어요, 주세요) pull unrelated messages together. They stay
  available (``CHAR_WEIGHT`` > 0) for the benchmark.

The English MiniLM and WordLlama models packaged on PyPI were measured and do not
help on Korean (the docs give the figures), so no sentence-embedding model is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

NEIGHBOURS = 3          # nearest Kiwi neighbours kept per term
NEIGHBOUR_FLOOR = 0.6   # below this Kiwi similarity two words are not alike
NEIGHBOUR_WEIGHT = 0.5  # a neighbour counts half as much as the word itself
CHAR_WEIGHT = 0.0       # character n-grams' share; 0: off (measured no gain, see above)
MAX_SMOOTHED = 1500     # the most frequent terms that get neighbours (pairs grow as n²)


@dataclass
class Vectors:
    matrix: object                  # scipy.sparse CSR, rows L2-normalised
    terms: list[str]                # vocabulary of the lemma part
    term_matrix: object             # scipy.sparse CSR, message x term counts (for key words)


def build(term_lists: Sequence[Sequence[tuple[str, int]]], texts: Sequence[str]) -> Vectors:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
    from sklearn.preprocessing import normalize

    vocab: dict[str, int] = {}
    ids: dict[str, int] = {}
    rows, cols = [], []
    for n, found in enumerate(term_lists):
        for term, mid in found:
            col = vocab.setdefault(term, len(vocab))
            ids.setdefault(term, mid)
            rows.append(n)
            cols.append(col)
    shape = (len(term_lists), max(len(vocab), 1))
    counts = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    counts.sum_duplicates()
    lemma = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    terms = list(vocab)
    lemma = lemma @ _smoothing(terms, ids, counts)
    parts = [normalize(lemma)]
    if CHAR_WEIGHT > 0 and any(t.strip() for t in texts):
        min_df = 2 if len(texts) >= 20 else 1
        try:
            chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True,
                                    min_df=min_df, dtype=np.float32).fit_transform(texts)
            parts.append(CHAR_WEIGHT * normalize(chars))
        except ValueError:  # no n-gram seen twice: nothing to add
            pass
    matrix = normalize(sp.hstack(parts).tocsr())
    return Vectors(matrix=matrix, terms=terms, term_matrix=counts)


def _smoothing(terms: list[str], ids: dict[str, int], counts):
    """V x V sparse matrix: 1 on the diagonal, half the Kiwi similarity for each term's
    nearest neighbours among the batch's frequent words."""
    import numpy as np
    import scipy.sparse as sp

    from .analyze import kiwi

    k = kiwi()
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    frequent = [i for i in np.argsort(-df, kind="stable")[:MAX_SMOOTHED] if df[i] >= 1]
    sims = np.full((len(frequent), len(frequent)), -1.0, dtype=np.float32)
    mids = [ids[terms[i]] for i in frequent]
    for a in range(len(frequent)):
        for b in range(a + 1, len(frequent)):
            try:
                s = k.morpheme_similarity(mids[a], mids[b])
            except (ValueError, RuntimeError):
                s = -1.0
            sims[a, b] = sims[b, a] = s if s == s else -1.0  # NaN: no vector for the word
    weights = {(i, i): 1.0 for i in range(len(terms))}
    if len(frequent) > 1:
        nearest = np.argsort(-sims, axis=1)[:, :NEIGHBOURS]
        for a, row in enumerate(nearest):
            for b in row:
                s = float(sims[a, b])
                if s > NEIGHBOUR_FLOOR:  # symmetric; a pair found from both sides counts once
                    weights[(frequent[a], frequent[b])] = NEIGHBOUR_WEIGHT * s
                    weights[(frequent[b], frequent[a])] = NEIGHBOUR_WEIGHT * s
    keys = list(weights)
    return sp.csr_matrix(([weights[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])),
                         shape=(len(terms), len(terms)), dtype=np.float32)
