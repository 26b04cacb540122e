"""Is a font's ToUnicode map consistent with the font program's own character map?

A PDF draws glyphs; the text layer says which characters they are through the font's ToUnicode
map. An embedded TrueType/OpenType program carries its own `cmap` (character -> glyph). When the
ToUnicode map names a character for a glyph that the font program itself assigns to another
character (glyph 20 is '3' in the program, the text layer says '4'), the text layer lies about
what the page shows. Glyphs the program does not map (alternates, small caps, unnamed subsets)
cannot be checked and are left out, so a font is only called suspect on direct contradictions.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import pymupdf

from docpipe.word_records import SuspectFont

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
# A font program with more code points than this is not inverted (a full CJK font has ~35k;
# inverting one costs ~40 ms once per document).
_MAX_CODEPOINTS = 70_000
# A font is suspect when at least this many of its distinct glyphs on the page contradict its
# program, and they are at least this share of the glyphs that could be checked.
_MIN_CONTRADICTED = 2
_MIN_CONTRADICTED_SHARE = 0.05


def base_name(name: str) -> str:
    """Font name without the six-letter subset tag: 'ABCDEF+Helvetica-Bold' -> 'Helvetica-Bold'."""
    return _SUBSET_PREFIX.sub("", name or "")


class _Program:
    """A font program's own character map, both ways (glyph -> character built on first need)."""

    def __init__(self, font: pymupdf.Font) -> None:
        self._font = font
        self._by_glyph: dict[int, str] | None = None

    @property
    def by_glyph(self) -> dict[int, str]:
        if self._by_glyph is None:
            self._by_glyph = {}
            codepoints = self._font.valid_codepoints()
            for cp in codepoints if len(codepoints) <= _MAX_CODEPOINTS else ():
                gid = self._font.has_glyph(cp)
                if gid and gid not in self._by_glyph:
                    self._by_glyph[gid] = chr(cp)
        return self._by_glyph

    def glyph_for(self, char: str) -> int:
        return self._font.has_glyph(ord(char))


class FontPrograms:
    """Embedded font programs of one document, loaded once per font object (xref)."""

    def __init__(self, pdf: pymupdf.Document) -> None:
        self._pdf = pdf
        self._loaded: dict[int, _Program | None] = {}

    def for_page(self, page: pymupdf.Page) -> dict[str, list[_Program]]:
        """Programs of the page's embedded fonts by base name (several fonts may share a name)."""
        found: dict[str, list[_Program]] = defaultdict(list)
        try:
            fonts = page.get_fonts()
        except Exception:  # a broken resource dictionary: nothing to check against
            return {}
        seen: set[int] = set()
        for xref, _ext, _kind, basefont, *_ in fonts:
            if xref in seen:
                continue
            seen.add(xref)
            program = self._load(xref)
            if program is not None:
                found[base_name(basefont)].append(program)
        return dict(found)

    def _load(self, xref: int) -> _Program | None:
        if xref in self._loaded:
            return self._loaded[xref]
        program = None
        try:
            _name, _ext, _kind, buffer = self._pdf.extract_font(xref)
            if buffer:
                font = pymupdf.Font(fontbuffer=buffer)
                if 0 < font.glyph_count and _has_unicode_map(font):
                    program = _Program(font)
        except Exception:  # unreadable or unsupported font program: cannot be checked
            program = None
        self._loaded[xref] = program
        return program


def _has_unicode_map(font: pymupdf.Font) -> bool:
    """Does the program map characters to glyphs at all? (Bare CFF/CID programs do not: their glyph
    numbers cannot be checked.) Probed with common characters instead of enumerating the map."""
    return any(font.has_glyph(ord(ch)) for ch in "aeoEOT0123.,")


def check_font(name: str, used: Iterable[tuple[str, int]], programs: list[_Program]) -> SuspectFont | None:
    """A SuspectFont when the (character, glyph id) pairs drawn in font `name` contradict its programs.

    A pair is checked when some program maps the glyph to a character; it is contradicted when no
    program maps the character to that glyph and no program's character for the glyph contains it
    after NFKC (a ligature glyph 'ﬁ' may be reported as 'f' and 'i').
    """
    if not programs:
        return None
    checked = 0
    contradicted: list[tuple[int, str, str]] = []
    for char, gid in set(used):
        if gid <= 0 or not char or char.isspace():
            continue
        if any(p.glyph_for(char) == gid for p in programs):  # the usual case: no inversion needed
            checked += 1
            continue
        known = [p.by_glyph[gid] for p in programs if gid in p.by_glyph]
        if not known:
            continue
        checked += 1
        if any(char in unicodedata.normalize("NFKC", k) for k in known):
            continue
        contradicted.append((gid, known[0], char))
    if len(contradicted) < _MIN_CONTRADICTED or len(contradicted) < _MIN_CONTRADICTED_SHARE * checked:
        return None
    contradicted.sort()
    gid, drawn, said = contradicted[0]
    return SuspectFont(
        name=name, glyphs_checked=checked, glyphs_contradicted=len(contradicted),
        chars="".join(sorted({c for _, _, c in contradicted}))[:32],
        example=f"glyph {gid} is {drawn!r} in the font, the text layer says {said!r}",
    )
