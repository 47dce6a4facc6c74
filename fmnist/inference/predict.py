"""Top-k labels per image from each model's scores, as a table for CSV or JSON output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fmnist.inference.classifiers import Scorer
from fmnist.inference.inputs import Item


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` best class indices (best first; ties in class order) and their scores."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


def predictions_table(items: Sequence[Item], scorers: Sequence[Scorer], k: int) -> pd.DataFrame:
    """One row per image and model: where the image came from, whether it was inverted, the
    kind of score, then ``label_1, score_1, ..., label_k, score_k`` (best first).

    Each model scores all images in one batched call.
    """
    images = np.stack([item.image for item in items])
    frames = []
    for scorer in scorers:
        names = np.array(scorer.classes, dtype=object)
        classes, scores = top_k(scorer.score(images), k)
        frame = pd.DataFrame(
            {
                "input": [item.source for item in items],
                "index": [item.index for item in items],
                "model": scorer.name,
                "inverted": [item.inverted for item in items],
                "score_kind": scorer.kind,
            }
        )
        for rank in range(classes.shape[1]):
            frame[f"label_{rank + 1}"] = names[classes[:, rank]]
            frame[f"score_{rank + 1}"] = np.round(scores[:, rank].astype(float), 6)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def as_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON-ready records, each image's labels and scores as one ``top`` list."""
    ranks = sorted(int(c.split("_")[1]) for c in table.columns if c.startswith("label_"))
    records = []
    for row in table.to_dict(orient="records"):
        top = [{"label": row.pop(f"label_{r}"), "score": row.pop(f"score_{r}")} for r in ranks]
        records.append({**row, "top": top})
    return records
