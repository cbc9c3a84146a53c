"""Progress bars for long work (months of a run, runs of a sweep), through tqdm."""

from __future__ import annotations

from collections.abc import Iterable

from tqdm.auto import tqdm


def progress_bar(items: Iterable, on: bool = True, total: int | None = None, **kwargs) -> Iterable:
    """``items`` wrapped in a tqdm bar when ``on`` (``items`` itself otherwise); ``kwargs`` go to
    tqdm (``desc``, ``unit``...). The bar disappears when done (``leave=False``) unless asked."""
    if not on:
        return items
    return tqdm(items, total=total, **({"leave": False} | kwargs))
