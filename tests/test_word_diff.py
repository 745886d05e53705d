"""The word-level diff of a priority's text (models.word_diff): what a reader sees struck
and inserted."""

from __future__ import annotations

from models.word_diff import Segment, changed_words, word_diff


def test_a_changed_year_is_struck_and_the_new_one_inserted() -> None:
    segments = word_diff(
        "Der Landkreis wird bis 2040 klimaneutral.", "Der Landkreis wird bis 2035 klimaneutral."
    )
    assert segments == (
        Segment("same", "Der Landkreis wird bis"),
        Segment("deleted", "2040"),
        Segment("inserted", "2035"),
        Segment("same", "klimaneutral."),
    )
    assert changed_words(segments) == (1, 1)


def test_an_added_text_is_all_inserted_and_a_removed_one_all_struck() -> None:
    assert word_diff(None, "Neue Radwege bauen") == (Segment("inserted", "Neue Radwege bauen"),)
    assert word_diff("Alte Aufgabe", None) == (Segment("deleted", "Alte Aufgabe"),)
    assert word_diff(None, None) == ()


def test_whitespace_is_no_difference_and_equal_texts_are_one_run() -> None:
    assert word_diff("Bildung  für\nalle", "Bildung für alle") == (
        Segment("same", "Bildung für alle"),
    )


def test_words_appended_and_words_dropped_keep_the_rest() -> None:
    assert word_diff("Schulen sanieren", "Schulen sanieren und digital ausstatten") == (
        Segment("same", "Schulen sanieren"),
        Segment("inserted", "und digital ausstatten"),
    )
    segments = word_diff("Wir fördern Vereine, Ehrenamt und Sport.", "Wir fördern Sport.")
    assert segments == (
        Segment("same", "Wir fördern"),
        Segment("deleted", "Vereine, Ehrenamt und"),
        Segment("same", "Sport."),
    )
    assert changed_words(segments) == (3, 0)


def test_the_segments_rebuild_both_texts() -> None:
    old = "Die Verwaltung wird digital, bürgernah und barrierefrei."
    new = "Die Kreisverwaltung wird bis 2030 digital und barrierefrei."
    segments = word_diff(old, new)
    kept_old = " ".join(s.text for s in segments if s.kind != "inserted")
    kept_new = " ".join(s.text for s in segments if s.kind != "deleted")
    assert (kept_old, kept_new) == (old, new)
