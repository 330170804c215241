"""Group message vectors: average-linkage agglomerative clustering on cosine distance.

Average linkage with a distance threshold needs no number of groups in advance
(nobody knows how many subjects a quarter brings) and never chains two subjects
through one shared word the way single linkage does. It costs n² memory, so above
``EXACT_LIMIT`` messages the vectors are first reduced (truncated SVD) and gathered
into micro-groups of near-identical messages (mini-batch k-means, about
``MICRO_SIZE`` messages each); the micro-groups' centres are then clustered the same
way and every message follows its micro-group.
"""

from __future__ import annotations

THRESHOLD = 0.82       # cosine distance at which two groups stop merging (tuned on the set)
EXACT_LIMIT = 2500
MICRO_SIZE = 20
SVD_DIMS = 100
# micro-group centres are averages, so closer to each other than single messages: they
# merge at a tighter distance (measured on the synthesised 10,000, bench/topics.py)
CENTRE_OFFSET = 0.12


def cluster(matrix, threshold: float = THRESHOLD, seed: int = 0) -> list[int]:
    """A label per row of ``matrix`` (scipy sparse, rows L2-normalised)."""
    import numpy as np

    n = matrix.shape[0]
    if n == 0:
        return []
    if n == 1:
        return [0]
    if n <= EXACT_LIMIT:
        return list(_agglomerate(matrix, threshold))
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = min(SVD_DIMS, matrix.shape[1] - 1)
    reduced = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(matrix))
    micro = MiniBatchKMeans(n_clusters=max(2, n // MICRO_SIZE), random_state=seed,
                            batch_size=2048, n_init=1, max_iter=20).fit(reduced)
    centres = normalize(micro.cluster_centers_)
    used = np.unique(micro.labels_)
    top = _agglomerate(centres[used], threshold - CENTRE_OFFSET)
    mapping = dict(zip(used.tolist(), top.tolist()))
    return [mapping[int(m)] for m in micro.labels_]


def _agglomerate(vectors, threshold: float):
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    if vectors.shape[0] == 1:
        return np.zeros(1, dtype=int)
    sim = vectors @ vectors.T
    sim = sim.toarray() if hasattr(sim, "toarray") else np.asarray(sim)
    distance = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold,
                                    metric="precomputed", linkage="average")
    return model.fit_predict(distance.astype(np.float64))
