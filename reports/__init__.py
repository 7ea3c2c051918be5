"""Reports: aggregation (SQL -> plain data), SVG charts, HTML -> PDF with a file cache.

No Flask here: everything takes a sqlite_utils Database, paths and a language, so the web, the
CLI and a background worker render the same report. Dependencies: audit -> reports -> criteria.
"""
