"""Seeded generators of SYNTHETIC cohorts in the data-contract format (``data/<cohort>/``).

The bundled cohorts are synthetic: drawn so that the pipeline's derived aggregates equal the
published ones, never taken from patients. ``python -m cartcyto.synth <outdir>`` regenerates every
bundled cohort (identical bytes for the default seeds).

* :func:`cartcyto.synth.wang2021.write_wang2021` -- Wang 2021 (Front Oncol), ``<outdir>/wang2021``;
* ``cartcyto.synth.mullanfiroze2022.write_mullanfiroze2022`` -- Mullanfiroze 2022 (Blood Adv),
  ``<outdir>/mullanfiroze2022``, when that module is installed.
"""
