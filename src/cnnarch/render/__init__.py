"""Renderers: plain data in, text out (terminal tables, JSON, CSV, Markdown, worked answers),
through one column-table engine (``table.py``). No analysis module is imported here."""
