"""Helpers shared by the thin workflow scripts: logging to the rule's log file."""
from __future__ import annotations

import logging
import sys
from pathlib import Path


def setup_logging(snakemake) -> logging.Logger:  # noqa: ANN001 - snakemake object
    """Log to the rule's log file and to stderr (so long steps show progress)."""
    logger = logging.getLogger("cartcyto")
    logger.setLevel(logging.INFO)
    logger.handlers.clear()
    fmt = logging.Formatter("%(levelname)s %(message)s")
    if snakemake.log:
        fh = logging.FileHandler(snakemake.log[0], mode="w", encoding="utf-8")
        fh.setFormatter(fmt)
        logger.addHandler(fh)
    sh = logging.StreamHandler(sys.stderr)
    sh.setFormatter(fmt)
    logger.addHandler(sh)
    return logger


def stem(path) -> Path:  # noqa: ANN001
    """An output path without its suffix (tables are written as <stem>.csv and <stem>.md)."""
    return Path(path).with_suffix("")
