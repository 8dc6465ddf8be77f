"""Shared figure style and deterministic saving (byte-identical PNG and PDF across runs)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Okabe-Ito colour-blind-safe palette.
PALETTE = {
    "sn": "#0072B2", "sa": "#D55E00", "st": "#009E73", "crs": "#CC79A7",
    "none": "#999999", "mild": "#E69F00", "severe": "#D55E00",
    "T1": "#56B4E9", "T2": "#E69F00", "T3": "#D55E00",
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
    "svg.hashsalt": "cartcyto",
    "path.simplify": False,
}


def apply_style() -> None:
    """Apply the project style (call before creating figures)."""
    plt.rcParams.update(RC)


def stars(p: float) -> str:
    """Significance stars as in the papers: *** < 0.001, ** < 0.01, * < 0.05, else 'ns'."""
    if p != p:  # NaN
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "ns"


def savefig(fig, stem: str | Path) -> list[str]:
    """Save ``fig`` as ``<stem>.png`` and ``<stem>.pdf`` with fixed metadata; returns the paths.

    Matplotlib writes a creation date and software version by default; both are removed so two
    runs give byte-identical files.
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, pdf = stem.with_suffix(".png"), stem.with_suffix(".pdf")
    fig.savefig(png, format="png", metadata={"Software": None})
    fig.savefig(pdf, format="pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None})
    plt.close(fig)
    return [str(png), str(pdf)]
