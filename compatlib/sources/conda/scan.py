"""Find a repodata document's entries in its text, without decoding it.

A solve reaches a few dozen of a channel's names, yet decoding a whole
``repodata.json`` builds every entry: about 0.05 s for Anaconda's 5.4 MB
``main`` osx-64 subdir of 2018, and seconds for a conda-forge subdir. Like
rattler's sparse repodata, :func:`scan_document` only finds where each entry
lies, and :func:`decode_entry` decodes one when its name is asked for.

Entry keys are file names (``name-version-build.tar.bz2`` or ``.conda``)
followed by a colon and an object. Read backwards, each is an opening brace,
a colon and a reversed file name, which one regular expression finds at C
speed in the reversed text; it also gives the character before the key: ``{``
when the entry opens an object (a section), ``,`` when it follows another.
The document's top level is walked with the JSON decoder, which decodes every
value but the sections; a section is the run of entries that opens at its
brace, its last entry decoded to find where it ends, and the number of entry
boundaries in its text checked against the run's length (a key the expression
cannot read, such as one with an escape, or an entry holding another object,
makes them differ). A decoded entry is checked to end where its neighbour
begins.

Any other layout gives ``None`` (a document that is not an object, a key given
twice, text after the document, a section that does not add up); the caller
then decodes the whole document, which gives the same entries or the located
error. What a scan does not check is the JSON of the entries nobody asks for:
a damaged entry is reported when its name is first asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import operator
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from compatlib._input import MAX_DEPTH, json_depth, located_error, refuse_json_constant
from compatlib.errors import InputError

__all__ = ["SECTIONS", "Run", "Scan", "ScannedDocument", "scan_document"]

#: the sections that hold entries, in the order they are read (``.conda`` first)
SECTIONS = ("packages.conda", "packages")

_WS = "[ \t\n\r]*"
# An entry key read backwards: "{", ":", the reversed file name (extension,
# build and version with no dash in them, then the name), and the character
# before the key.
_REVERSED_KEY = re.compile(
    r"\{"
    + _WS
    + ":"
    + _WS
    + r'"((2zb\.rat\.|adnoc\.)[^"\\-]+-[^"\\-]+-([^"\\]+))"'
    + _WS
    + "([,{])"
)
_TAR_BZ2 = "2zb.rat."
_CONDA = "adnoc."
# The end of one entry and the start of the next key.
_BETWEEN = re.compile(r"\}" + _WS + "," + _WS + '"')
_COMMA = re.compile(_WS + "," + _WS)
_SPACE = re.compile(_WS)


_DECODER = json.JSONDecoder(parse_constant=refuse_json_constant)
_scan_once: Any = _DECODER.scan_once  # type: ignore[attr-defined]
_scanstring: Any = json.decoder.scanstring  # type: ignore[attr-defined]
_first_group = operator.itemgetter(1)
_name_group = operator.itemgetter(3)
_before_group = operator.itemgetter(4)
_before_start = operator.methodcaller("start", 4)
_is_conda = operator.methodcaller("startswith", _CONDA)


#: a section: (its key, its first entry, one past its last, the end of its last entry)
Run = tuple[str, int, int, int]


class ScannedDocument:
    """Where a document's entries are, and the text they are in.

    Entries are numbered in document order; ``groups`` maps each lowercased
    package name to the numbers of its entries (after conda's rule that a
    ``.conda`` file shadows the ``.tar.bz2`` of the same stem). :meth:`entries`
    decodes entries.
    """

    __slots__ = ("_before", "_keys", "_last", "_runs", "groups", "text")

    def __init__(
        self,
        text: str,
        places: tuple[list[str], list[int], str],
        runs: list[Run],
        groups: dict[str, list[int]],
    ) -> None:
        self.text = text
        #: reversed file names, where the characters before the keys are
        #: (counted back from the end of the text), and those characters
        self._keys, self._before, self._last = places
        self._runs = runs
        self.groups = groups

    @property
    def count(self) -> int:
        """How many entries are kept."""
        return sum(map(len, self.groups.values()))

    def state(self) -> dict[str, Any]:
        """What :meth:`from_state` needs besides the text, as plain data."""
        return {
            "places": (self._keys, self._before, self._last),
            "runs": self._runs,
            "groups": self.groups,
        }

    @classmethod
    def from_state(cls, text: str, state: Mapping[str, Any]) -> ScannedDocument | None:
        """The document :meth:`state` describes; ``None`` when it does not fit ``text``."""
        try:
            keys, before, last = state["places"]
            found = cls(
                text,
                (list(keys), list(before), str(last)),
                [(str(n), int(lo), int(hi), int(end)) for n, lo, hi, end in state["runs"]],
                dict(state["groups"]),
            )
        except (KeyError, TypeError, ValueError):
            return None
        size = len(found._keys)
        if not (len(found._before) == size == len(found._last)):
            return None
        if not all(0 <= lo <= hi <= size and end <= len(text) for _n, lo, hi, end in found._runs):
            return None
        return found

    def _run(self, i: int) -> Run:
        for run in self._runs:
            if run[1] <= i < run[2]:
                return run
        raise IndexError(i)

    def file_name(self, i: int) -> str:
        """The file name of entry ``i``."""
        return self._keys[i][::-1]

    def entries(self, numbers: list[int], source: str) -> list[tuple[str, str, Any]]:
        """The entries ``numbers`` as (section, file name, decoded JSON value).

        Neighbouring entries are decoded together, as the object they are part
        of, which must hold exactly their keys: a damaged entry, or one that is
        not where the scan saw it, raises its located :class:`InputError`.
        """
        out: list[tuple[str, str, Any]] = []
        ordered = sorted(numbers)
        i = 0
        while i < len(ordered):
            section, _lo, run_end, last_end = self._run(ordered[i])
            j = i + 1
            while j < len(ordered) and ordered[j] == ordered[j - 1] + 1 and ordered[j] < run_end:
                j += 1
            first, stop = ordered[i], ordered[j - 1] + 1
            names = [self._keys[k][::-1] for k in range(first, stop)]
            values = self._decode_span(first, stop, last_end if stop == run_end else -1, source)
            if len(values) != len(names) or not all(n in values for n in names):
                message = "damaged repodata: these entries are not the ones its keys were found for"
                raise self._damaged(first, self._start(first), message, source)
            out.extend((section, n, values[n]) for n in names)
            i = j
        return out

    def _start(self, i: int) -> int:
        return _value_start(self.text, self._keys, self._before, i)

    def _decode_span(self, first: int, stop: int, last_end: int, source: str) -> Any:
        """Decode entries ``first`` to ``stop`` (exclusive) as one object."""
        text = self.text
        begin = len(text) - self._before[first]  # after the "," or "{" before the first key
        end = last_end if last_end >= 0 else len(text) - 1 - self._before[stop]
        chunk = "{" + text[begin:end] + "}"
        if json_depth(chunk.encode("utf-8", "surrogatepass")) > MAX_DEPTH:
            message = f"JSON nested more than {MAX_DEPTH} levels"
            raise self._damaged(first, self._start(first), message, source)
        try:
            return _DECODER.decode(chunk)
        except json.JSONDecodeError as exc:
            pos = begin + exc.pos - 1
            message = f"invalid JSON: {exc.msg}"
        except ValueError as exc:
            pos, message = begin, f"invalid JSON: {exc} is not a JSON number"
        except RecursionError:
            pos, message = begin, "invalid JSON: nested too deeply"
        pos = min(max(pos, begin), max(begin, end - 1))
        at = next((k for k in range(stop - 1, first - 1, -1) if self._start(k) <= pos), first)
        raise self._damaged(at, pos, message, source)

    def _damaged(self, i: int, pos: int, message: str, source: str) -> InputError:
        field = f"{self._run(i)[0]}.{self.file_name(i)}"
        return _located(self.text, pos, message, source, field)


def _space(text: str, at: int) -> int:
    found = _SPACE.match(text, at)
    return at if found is None else found.end()


def _find_entries(text: str) -> tuple[list[str], list[int], str, list[str]]:
    """Every entry key in ``text``, in document order: reversed file names,
    where the characters before the keys are (counted back from the end),
    those characters, and the reversed package names."""
    matches = list(_REVERSED_KEY.finditer(text[::-1]))
    matches.reverse()
    return (
        list(map(_first_group, matches)),
        list(map(_before_start, matches)),
        "".join(map(_before_group, matches)),
        list(map(_name_group, matches)),
    )


def _value_start(text: str, keys: list[str], before: list[int], i: int) -> int:
    """Where the object of entry ``i`` opens: past its key, the colon and spaces."""
    after = len(text) - before[i]
    opening = text.find('"', after)
    brace = text.find("{", opening + len(keys[i]) + 2) if opening >= 0 else -1
    return brace if brace >= 0 else after  # a text that changed under its places


def _section(
    text: str, start: int, places: tuple[list[str], list[int], str], k: int
) -> tuple[int, int, int, int] | None:
    """The entries of the section whose object opens at ``start``: the first,
    one past the last, the end of the last, and the position after the
    section; ``None`` when the section is not laid out as usual."""
    keys, before, last = places
    at = _space(text, start + 1)
    if text.startswith("}", at):
        return k, k, at, at + 1
    end_back = len(text) - 1 - start
    while k < len(before) and before[k] > end_back:
        k += 1  # entry-like keys in another value (signatures)
    if k >= len(before) or before[k] != end_back:
        return None  # the first key is not an entry key
    stop = last.find("{", k + 1)
    stop = len(last) if stop < 0 else stop
    first_value = _value_start(text, keys, before, k)
    try:
        _obj, end = _scan_once(text, _value_start(text, keys, before, stop - 1))
    except (StopIteration, ValueError, RecursionError):
        return None
    after = _space(text, end)
    if not text.startswith("}", after):
        return None
    # every boundary between entries in the section is one between two keys found
    if len(_BETWEEN.findall(text, first_value, end)) != stop - k - 1:
        return None
    return k, stop, end, after + 1


def _top_level(
    text: str, places: tuple[list[str], list[int], str]
) -> tuple[list[Run], dict[str, Any]] | None:
    """The sections and the other top-level values decoded; ``None`` for an
    unusual layout."""
    at = _space(text, 0)
    if not text.startswith("{", at):
        return None
    at = _space(text, at + 1)
    runs: list[Run] = []
    top: dict[str, Any] = {}
    k = 0
    while text.startswith('"', at):
        try:
            key, at = _scanstring(text, at + 1)
        except ValueError:
            return None
        at = _space(text, at)
        if not text.startswith(":", at) or key in top or any(key == r[0] for r in runs):
            return None  # not a key, or a key given twice (the decoder keeps the last)
        at = _space(text, at + 1)
        if key in SECTIONS and text.startswith("{", at):
            got = _section(text, at, places, k)
            if got is None:
                return None
            first, k, last_end, at = got
            runs.append((key, first, k, last_end))
        else:
            begin = at
            try:
                top[key], at = _scan_once(text, at)
            except (StopIteration, ValueError, RecursionError):
                return None
            if json_depth(text[begin:at].encode("utf-8", "surrogatepass")) >= MAX_DEPTH:
                return None  # the decoder's check says where
        at = _space(text, at)
        if text.startswith(",", at):
            at = _space(text, at + 1)
        elif text.startswith("}", at) and _space(text, at + 1) == len(text):
            return runs, top
        else:
            return None
    return None


def _group(keys: list[str], names: list[str], runs: list[Run]) -> dict[str, list[int]] | None:
    """Entry numbers by lowercased name, a ``.conda`` shadowing the ``.tar.bz2``
    of its stem; ``None`` when a file name is given twice."""
    ordered = sorted(runs, key=lambda r: SECTIONS.index(r[0]))
    kept = [i for _n, lo, hi, _e in ordered for i in range(lo, hi)]
    named = list(map(keys.__getitem__, kept))
    if len(set(named)) != len(named):
        return None
    conda_stems: set[str] = set()
    if any(map(_is_conda, named)):
        conda_stems = {key[len(_CONDA) :] for key in named if key.startswith(_CONDA)}
    if conda_stems:
        kept = [
            i
            for i in kept
            if not (keys[i].startswith(_TAR_BZ2) and keys[i][len(_TAR_BZ2) :] in conda_stems)
        ]
    lowered = list(map(str.lower, names))
    kept.sort(key=lowered.__getitem__)
    groups = {
        name[::-1]: list(numbers)
        for name, numbers in itertools.groupby(kept, key=lowered.__getitem__)
    }
    return groups


def _subdirs(
    text: str, spans: list[tuple[int, int]], entries: int, guess: str
) -> tuple[frozenset[str] | None, bool]:
    """The entries' subdirs when every entry says ``guess`` (the document's
    subdir) in so many words, else ``None``: the entries must be decoded."""
    if not guess or '"' in guess or "\\" in guess:
        return None, False
    said = 0
    for form in (f'"subdir": "{guess}"', f'"subdir":"{guess}"'):
        said += sum(text.count(form, start, end) for start, end in spans)
        if said == entries:
            return frozenset({guess}), False
    return None, False


class Scan(NamedTuple):
    """What :func:`scan_document` finds: the places of the entries, the
    ``info`` (else ``metadata``) object, and the entries' own subdir values and
    whether some entry has none (``None`` and ``False`` when the text does not
    tell them at a glance: decode the entries to know)."""

    document: ScannedDocument
    meta: Mapping[str, Any]
    subdirs: frozenset[str] | None
    lacks_subdir: bool


def scan_document(text: str) -> Scan | None:
    """Find the entries of a repodata document; ``None`` when it is not laid
    out as repodata usually is (decode it whole instead)."""
    keys, before, last, names = _find_entries(text)
    places = (keys, before, last)
    walked = _top_level(text, places)
    if walked is None:
        return None
    runs, top = walked
    spans = [(_value_start(text, keys, before, lo), end) for _n, lo, hi, end in runs if hi > lo]
    if not runs or any(key in SECTIONS for key in top):
        return None  # no sections, or one that is not an object (the decoder's error)
    meta = top.get("info")
    if meta is None:
        meta = top.get("metadata", {})
    if not isinstance(meta, Mapping):
        return None  # the decoder's error
    groups = _group(keys, names, runs)
    if groups is None:
        return None
    total = sum(hi - lo for _n, lo, hi, _e in runs)
    guess = meta.get("subdir")
    if guess is None and total:
        first = next(lo for _n, lo, hi, _e in runs if hi > lo)
        with contextlib.suppress(StopIteration, ValueError, RecursionError):
            entry = _scan_once(text, _value_start(text, keys, before, first))[0]
            guess = entry.get("subdir") if type(entry) is dict else None
    subdirs, lacks = _subdirs(text, spans, total, guess if type(guess) is str else "")
    return Scan(ScannedDocument(text, places, runs, groups), meta, subdirs, lacks)


def _located(text: str, pos: int, message: str, source: str, field: str) -> InputError:
    return located_error(
        text, pos, message, source=source, field=field, expected="a repodata.json document"
    )
