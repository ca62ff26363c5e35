"""Evaluation plots (optional extra ``plot``): confusion matrix and reliability diagram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraudwarn.errors import FraudwarnError


def write_plots(report: dict[str, Any], directory: str | Path) -> list[Path]:
    """Write ``confusion.png`` and ``reliability.png`` for a category report; return the paths."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise FraudwarnError("画图需要 matplotlib：pip install 'fraudwarn[plot]'") from e
    import numpy as np

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    cat = report["category"]
    labels, cm = cat["labels"], np.array(cat["confusion"], dtype=float)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(9, 8), dpi=110)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    str(int(cm[i, j])),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if norm[i, j] > 0.5 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix (row-normalised), macro-F1 {cat['macro_f1']:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    confusion = d / "confusion.png"
    fig.savefig(confusion)
    plt.close(fig)

    rows = cat.get("reliability", [])
    fig, ax = plt.subplots(figsize=(6, 6), dpi=110)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    if rows:
        conf = [r["confidence"] for r in rows]
        acc = [r["accuracy"] for r in rows]
        ax.plot(conf, acc, "o-", color="#c8161d", label="model")
        for r in rows:
            ax.annotate(
                str(r["n"]),
                (r["confidence"], r["accuracy"]),
                fontsize=7,
                xytext=(3, -10),
                textcoords="offset points",
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram, ECE {cat.get('ece', float('nan')):.3f}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    reliability = d / "reliability.png"
    fig.savefig(reliability)
    plt.close(fig)
    return [confusion, reliability]
