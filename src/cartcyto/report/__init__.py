"""Stage 5, reporting: statistics rows (``rows``), printed tables (``tables``), the scorecard,
provenance, the definitions page and the console summary.

May import: ``cartcyto.vocabulary``, ``cartcyto.design``. Analyses import ``rows`` and ``tables`` from here.
"""
