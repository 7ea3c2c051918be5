"""Benchmarks at realistic scale (`make bench`): data generation, PDFs, bulk reports, the
manager portal's aggregation, shoppers under load and the phone page's weight.

Each benchmark measures a reference in the same run (bare WeasyPrint, a trivial route, a
plain scan of the visits), so the ratio holds on a noisy machine. Entry point:
`python -m tests.benchmarks` (see run.py for the options).
"""
