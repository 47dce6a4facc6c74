"""``fmnist review``: a page where a person decides each audit finding; the decisions are the
corrections file that the split stage applies, so they become the next data version.

- :mod:`.findings`: the audit's findings as items to decide (a label-issue candidate, a group of
  near-duplicates, an excluded image), with the pixels and probabilities behind them;
- :mod:`.ledger`: the decisions, written to the corrections file before each answer;
- :mod:`.app`: the web server (Starlette on uvicorn) and its page, ``page.html``.
"""
