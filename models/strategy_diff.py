"""What changed between two strategy versions, element by element: vision, motto,
principles, fields of action, guiding thoughts, priorities (added, reworded, moved, ranked,
removed), key positions and their year. The /strategy page, the `strategy diff` PDF and xlsx,
the resolution's preview and the council paper's synopsis all show this one diff."""

from __future__ import annotations

import difflib

from models.change_set import KeyPositionContent, StrategyContent

DiffEntry = dict[str, str | None]

# what happened to an element, and which element, as people read them
DIFF_LABELS = {
    "added": "neu",
    "changed": "geändert",
    "removed": "entfällt",
    "renamed": "umbenannt",
    "moved": "verschoben",
    "ranked": "neu eingereiht",
}
DIFF_KINDS = {
    "vision": "Vision",
    "motto": "Motto",
    "principle": "Leitsatz",
    "field": "Handlungsfeld",
    "guiding_thought": "Leitgedanke",
    "priority": "Schwerpunkt",
    "key_position": "Schlüsselposition",
    "key_positions_year": "Jahr der Schlüsselpositionen",
}


def diff_element(entry: DiffEntry) -> str:
    """The element a diff entry is about, in German ("Leitsatz 3", "Schlüsselposition
    11.20.04"); a priority is named by its caller, who knows its number in the version."""
    kind = entry.get("kind") or "priority"  # diffs stored before kinds were priorities
    label = DIFF_KINDS.get(str(kind), str(kind))
    item = entry.get("item")
    return f"{label} {item}" if item else label


def _entry(
    change: str,
    kind: str,
    *,
    field: str | None = None,
    priority: str | None = None,
    item: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> DiffEntry:
    return {
        "change": change,
        "kind": kind,
        "field": field,
        "priority": priority,
        "item": item,
        "before": before,
        "after": after,
    }


def _list_diff(
    old: tuple[str, ...], new: tuple[str, ...]
) -> list[tuple[str, int, str | None, str | None]]:
    """A numbered list's changes: (change, number where it stands, before, after); a
    removed one by its old number, others by the new."""
    result: list[tuple[str, int, str | None, str | None]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = _pairs(old[i1:i2], new[j1:j2])
        paired_old = {a for a, _ in pairs}
        paired_new = {b for _, b in pairs}
        result += [("changed", j1 + b + 1, old[i1 + a], new[j1 + b]) for a, b in pairs]
        result += [
            ("removed", i1 + a + 1, old[i1 + a], None)
            for a in range(i2 - i1)
            if a not in paired_old
        ]
        result += [
            ("added", j1 + b + 1, None, new[j1 + b]) for b in range(j2 - j1) if b not in paired_new
        ]
    return result


SIMILAR = 0.5  # texts at least this alike (difflib's ratio) are one entry reworded


def _pairs(old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[int, int]]:
    """Which of a replaced run's old entries became which new one. As many on both sides:
    each kept its place (a reworded entry). Otherwise the most alike pairs first, if alike
    enough and in order; the rest were removed or added, so a synopsis never shows one text
    struck beside another's new wording."""
    if len(old) == len(new):
        return [(k, k) for k in range(len(old))]
    scored = sorted(
        (
            (difflib.SequenceMatcher(a=text, b=other, autojunk=False).ratio(), a, b)
            for a, text in enumerate(old)
            for b, other in enumerate(new)
        ),
        reverse=True,
    )
    pairs: list[tuple[int, int]] = []
    for ratio, a, b in scored:
        if ratio < SIMILAR:
            break
        if all((a - x) * (b - y) > 0 for x, y in pairs):  # unused, and not crossing one
            pairs.append((a, b))
    return sorted(pairs)


def _key_position_text(key_position: KeyPositionContent) -> str:
    page = f" (Haushaltsplan S. {key_position.page})" if key_position.page else ""
    return key_position.reason + page


def diff_strategies(old: StrategyContent, new: StrategyContent) -> list[DiffEntry]:
    """Element by element what changed: each entry names the change ("added", "changed",
    "removed", "renamed", "moved", "ranked"), the element's kind (DIFF_KINDS), its field,
    priority code or item (a number, a product) and the text before and after."""
    result: list[DiffEntry] = []
    if old.vision != new.vision:
        result.append(_entry("changed", "vision", before=old.vision, after=new.vision))
    if old.motto != new.motto:
        result.append(_entry("changed", "motto", before=old.motto, after=new.motto))
    for change, number, before, after in _list_diff(old.principles, new.principles):
        result.append(_entry(change, "principle", item=str(number), before=before, after=after))
    old_fields = {f.key: f for f in old.fields}
    new_fields = {f.key: f for f in new.fields}
    for key, f in old_fields.items():
        if key not in new_fields:
            result.append(_entry("removed", "field", field=f.name, before=f.name))
        elif new_fields[key].name != f.name:
            result.append(
                _entry(
                    "renamed",
                    "field",
                    field=new_fields[key].name,
                    before=f.name,
                    after=new_fields[key].name,
                )
            )
    for key, f in new_fields.items():
        if key not in old_fields:
            result.append(_entry("added", "field", field=f.name, after=f.name))
    for key, f in new_fields.items():
        thoughts = old_fields[key].guiding_thoughts if key in old_fields else ()
        for change, number, before, after in _list_diff(thoughts, f.guiding_thoughts):
            result.append(
                _entry(
                    change,
                    "guiding_thought",
                    field=f.name,
                    item=str(number),
                    before=before,
                    after=after,
                )
            )
    result += _priority_diff(old, new)
    before_kp = {k.product: k for k in old.key_positions}
    after_kp = {k.product: k for k in new.key_positions}
    for product in [*before_kp, *[p for p in after_kp if p not in before_kp]]:
        was, now = before_kp.get(product), after_kp.get(product)
        if was == now:
            continue
        change = "added" if was is None else "removed" if now is None else "changed"
        result.append(
            _entry(
                change,
                "key_position",
                item=product,
                before=_key_position_text(was) if was else None,
                after=_key_position_text(now) if now else None,
            )
        )
    if old.key_positions_year != new.key_positions_year:
        result.append(
            _entry(
                "changed",
                "key_positions_year",
                before=str(old.key_positions_year) if old.key_positions_year else None,
                after=str(new.key_positions_year) if new.key_positions_year else None,
            )
        )
    return result


def _priority_diff(old: StrategyContent, new: StrategyContent) -> list[DiffEntry]:
    """Priority by priority: added, changed (its text), moved (to another field), ranked
    (another place among the priorities that stayed in its field), removed."""
    before = {code: (f, text) for f in old.fields for code, text in f.priorities}
    after = {code: (f, text) for f in new.fields for code, text in f.priorities}
    result: list[DiffEntry] = []
    for code in [*before, *[c for c in after if c not in before]]:
        was, now = before.get(code), after.get(code)
        if now is None and was is not None:
            result.append(
                _entry("removed", "priority", field=was[0].name, priority=code, before=was[1])
            )
            continue
        assert now is not None
        if was is None:
            result.append(
                _entry("added", "priority", field=now[0].name, priority=code, after=now[1])
            )
            continue
        if was[0].key != now[0].key:
            result.append(
                _entry(
                    "moved",
                    "priority",
                    field=now[0].name,
                    priority=code,
                    before=was[0].name,
                    after=now[0].name,
                )
            )
        if was[1] != now[1]:
            result.append(
                _entry(
                    "changed",
                    "priority",
                    field=now[0].name,
                    priority=code,
                    before=was[1],
                    after=now[1],
                )
            )
    new_fields = {f.key: f for f in new.fields}
    for f in old.fields:
        if f.key not in new_fields:
            continue
        old_codes = [code for code, _ in f.priorities]
        new_codes = [code for code, _ in new_fields[f.key].priorities]
        stayed = set(old_codes) & set(new_codes)
        old_order = [c for c in old_codes if c in stayed]
        new_order = [c for c in new_codes if c in stayed]
        matcher = difflib.SequenceMatcher(a=old_order, b=new_order, autojunk=False)
        kept = {
            c
            for block in matcher.get_matching_blocks()
            for c in old_order[block.a : block.a + block.size]
        }
        for code in new_order:
            if code not in kept:
                result.append(
                    _entry(
                        "ranked",
                        "priority",
                        field=new_fields[f.key].name,
                        priority=code,
                        before=f"Stelle {old_codes.index(code) + 1}",
                        after=f"Stelle {new_codes.index(code) + 1}",
                    )
                )
    return result
