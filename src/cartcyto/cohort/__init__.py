"""Stage 1, reading a cohort: the one place that knows the input contract (data contract, sections 1 and 5).

``read`` reads, normalises and validates a cohort folder; ``validate`` holds the checks; ``errors`` the
only exception bad input gets (:class:`~cartcyto.cohort.errors.CohortError`).
May import: ``cartcyto.vocabulary`` and ``cartcyto.design`` (the design's schema defaults). Nothing
downstream.
"""
