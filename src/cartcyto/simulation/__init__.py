"""Simulation studies of power and parameter recovery on generated cohorts (issue 12).

``design`` (scenarios, seeds, job chunks), ``cohort`` (a generated cohort as the reader's
normalised tables, in memory), ``replicate`` (generate, derive and fit one replicate: one row per
model term), ``summary`` (power, bias, coverage, EPV and failed fits per scenario and term, as
statistics rows and a table). Figures are in ``cartcyto.figures.simulation``.
May import: ``cartcyto.synth``, ``cartcyto.cohort``, ``cartcyto.derive``, ``cartcyto.analyses``,
``cartcyto.stats``, ``cartcyto.report``, ``cartcyto.design``.
"""
