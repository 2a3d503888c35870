"""Which file of a release a target installs: wheels by tag rank, then sdists.

One rule for every layer that picks a file: the pip lock
(:mod:`compatlib.lock.pip`) and the pip side of a conda environment solve
(:mod:`compatlib.resolve.conda_solve`) both call :func:`choose_artifact`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compatlib.sources.memory import Artifact, IndexRelease
    from compatlib.values.tags import TagRanker
    from compatlib.values.target import Target

__all__ = ["SDIST_SUFFIXES", "choose_artifact", "ranked_artifacts"]

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar")
"""The file name endings of source distributions."""


def ranked_artifacts(
    release: IndexRelease, target: Target, *, ranker: TagRanker | None = None
) -> list[Artifact]:
    """The files of ``release`` the target can install, best first: wheels by
    tag rank, then source distributions, non-yanked before yanked."""
    # lazy: only ranked_artifacts needs compatlib.values.filenames, which loads 3 modules that importing this one does not
    from compatlib.values.filenames import parse_dist_filename

    if ranker is None:
        # lazy: only ranked_artifacts needs compatlib.values.tags, which loads 4 modules that importing this one does not
        from compatlib.values.tags import TagRanker

        ranker = TagRanker.for_target(target)
    keyed: list[tuple[tuple[bool, int, int, str], Artifact]] = []
    for art in release.artifacts:
        name = art.filename
        if name.endswith(".whl"):
            parsed = parse_dist_filename(name)
            if parsed is None:
                continue
            rank = ranker.rank(parsed.tags)
            if rank is None:
                continue
            keyed.append(((art.yanked, 0, rank, name), art))
        elif name.endswith(SDIST_SUFFIXES):
            keyed.append(((art.yanked, 1, 0, name), art))
    keyed.sort(key=lambda pair: pair[0])
    return [art for _, art in keyed]


def choose_artifact(
    release: IndexRelease, target: Target, *, ranker: TagRanker | None = None
) -> Artifact | None:
    """The file of ``release`` the target would install: the best-ranked wheel
    for its tags (non-yanked first), else a source distribution; ``None`` if no
    file fits. ``ranker`` reuses a :class:`~compatlib.values.tags.TagRanker`
    built for ``target``."""
    ranked = ranked_artifacts(release, target, ranker=ranker)
    return ranked[0] if ranked else None
