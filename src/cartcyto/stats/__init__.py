"""Statistics: one pure function per method, each returning a tidy DataFrame.

Every row carries ``method``: the exact test or estimator and its options, so a p-value, HR, OR
or CI never travels without the name of what produced it. No library default chooses a method:
each function takes the statistical ``convention`` (or explicit option arguments).

Conventions
-----------
``"spss"``  SPSS 20 (the pipeline default): Pearson chi-square without Yates; Mann-Whitney
            asymptotic normal approximation, tie-corrected, no continuity correction; Spearman p
            from the t approximation; Cox with Breslow ties.
``"r"``     R 4.x defaults: ``wilcox.test`` (exact p for small samples without ties, otherwise
            normal approximation with continuity correction); ``chisq.test`` (Yates on 2x2
            tables only); ``cor.test(method = "spearman")`` (AS 89 for n <= 1290 without ties);
            ``coxph`` Efron ties.

Submodules: :mod:`~cartcyto.stats.tests`, :mod:`~cartcyto.stats.describe`,
:mod:`~cartcyto.stats.survival`, :mod:`~cartcyto.stats.regression`,
:mod:`~cartcyto.stats.kaplan_meier` (KM median with CI, log-rank, numbers at risk),
:mod:`~cartcyto.stats.competing` (Aalen-Johansen, Gray's test, Fine-Gray, cause-specific Cox),
:mod:`~cartcyto.stats.diagnostics` (cox.zph, events per variable, separation),
:mod:`~cartcyto.stats.firth` (Firth logistic, profile CIs), :mod:`~cartcyto.stats.exact`
(Fisher's conditional odds ratio with its exact CI), :mod:`~cartcyto.stats.multiplicity`
(Holm, Benjamini-Hochberg and Bonferroni adjusted p, as R ``p.adjust``). KM median CI:
``spss`` -> log-log band (SAS PROC LIFETEST), ``r`` -> log band (R survfit).
"""
from __future__ import annotations

CONVENTIONS = ("spss", "r")


def check_convention(convention: object) -> str:
    """Return ``convention`` if it is one of :data:`CONVENTIONS`, else raise ``ValueError``."""
    if convention not in CONVENTIONS:
        raise ValueError(
            f"convention must be one of {CONVENTIONS!r}, got {convention!r}; "
            "use 'spss' to reproduce SPSS 20 or 'r' for R 4.x defaults"
        )
    return convention  # type: ignore[return-value]


SUBMODULES = ("describe", "multiplicity", "regression", "survival", "tests")


def __getattr__(name: str):
    """Submodules are imported when first used (`from cartcyto.stats import tests` imports only
    that one): statsmodels, which survival and regression fit with, takes over a second to import."""
    if name in SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CONVENTIONS", "check_convention", "describe", "multiplicity", "regression", "survival",
           "tests"]
