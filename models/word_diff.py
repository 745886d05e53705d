"""Word-level differences between two texts (a priority's wording before and after a
resolution): which words were struck, which inserted, which stayed. Pure, for the pages
and documents that mark changed text."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "deleted", "inserted"]


@dataclass(frozen=True)
class Segment:
    """A run of words that stayed, were struck or were inserted, joined by single spaces."""

    kind: Kind
    text: str


def word_diff(old: str | None, new: str | None) -> tuple[Segment, ...]:
    """`old` to `new` as runs of words; whitespace is not a difference (a line break or a
    double space counts as one space). A missing text is empty: an added priority is one
    inserted run, a removed one a deleted run. A replaced run is struck before the inserted
    one, as people read a marked-up synopsis."""
    before, after = (old or "").split(), (new or "").split()
    matcher = SequenceMatcher(a=before, b=after, autojunk=False)
    segments: list[Segment] = []

    def add(kind: Kind, words: list[str]) -> None:
        if not words:
            return
        if segments and segments[-1].kind == kind:  # never two runs of one kind in a row
            segments[-1] = Segment(kind, f"{segments[-1].text} {' '.join(words)}")
        else:
            segments.append(Segment(kind, " ".join(words)))

    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            add("same", before[a_start:a_end])
            continue
        add("deleted", before[a_start:a_end])
        add("inserted", after[b_start:b_end])
    return tuple(segments)


def changed_words(segments: tuple[Segment, ...]) -> tuple[int, int]:
    """(words struck, words inserted): how large a change is, for a summary."""
    struck = sum(len(s.text.split()) for s in segments if s.kind == "deleted")
    inserted = sum(len(s.text.split()) for s in segments if s.kind == "inserted")
    return struck, inserted
