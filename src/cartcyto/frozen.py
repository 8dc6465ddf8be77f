"""Read-only ``dict`` and ``list``: the type of a resolved design (:func:`cartcyto.design.resolve_study`).

Why a frozen dict and not frozen dataclasses: the resolved design travels through Snakemake
``params:``, and Snakemake compares only builtin values (dict, list, ...) to decide whether a job's
params changed (``snakemake/persistence.py``); a ``dict`` subclass keeps that re-run trigger (its
``repr`` is a dict's), pickles into the job, serialises to JSON as is (provenance.json) and keeps
the ``study["key"]`` reads of every analysis. The design schema stays the one declaration of the
keys, instead of a second copy as classes; the open-ended maps (``crs_groups``) need no class.
Attribute access (``study.criteria.lineages.sn``) is offered as well.

It imports nothing from the project, so any stage may import it.
"""
from __future__ import annotations

from typing import Any, Mapping


def _read_only(self, *args, **kwargs):
    raise TypeError(f"a resolved design is read-only ({type(self).__name__}); change the design "
                    "file or the study's overrides instead")


class FrozenDict(dict):
    """A read-only ``dict`` (item and attribute access: ``study["pht_day"]``, ``study.pht_day``).

    Mutating methods raise ``TypeError``. It pickles, deep-copies and ``json.dumps`` like a dict,
    and its ``repr`` is a dict's, so Snakemake sees an unchanged design as unchanged params.
    """

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __setattr__(self, name, value):
        _read_only(self)

    def __delattr__(self, name):
        _read_only(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no design key {name!r} here (keys: {', '.join(map(str, self))})") from None

    def __missing__(self, key):
        raise KeyError(f"no design key {key!r} here (keys: {', '.join(map(str, self))})")

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


class FrozenList(list):
    """A read-only ``list`` (mutating methods raise ``TypeError``). A list, not a tuple, so that
    pandas and numpy treat it as a list of labels or values (``df[cols]``)."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __reduce__(self):
        return (FrozenList, (list(self),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def freeze(obj: Any) -> Any:
    """Mappings -> :class:`FrozenDict`, lists and tuples -> :class:`FrozenList`, recursively."""
    if isinstance(obj, Mapping):
        return FrozenDict({k: freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return FrozenList(freeze(v) for v in obj)
    return obj


def thaw(obj: Any) -> Any:
    """The plain ``dict`` / ``list`` copy of a (frozen) design, e.g. to edit it in a test."""
    if isinstance(obj, Mapping):
        return {k: thaw(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [thaw(v) for v in obj]
    return obj
