"""Reading what a question around a puzzle asks and what an LLM's reply claims, so that
families can check the reply against their verified answer (`Family.check_reply`)."""

from __future__ import annotations

import re

from .base import ReplyCheck

# Numbers that name a place, not a value: "row 3", "column 9", "r3c9", "(3, 9)".
_PLACE = re.compile(
    r"\b(?:rows?|columns?|cols?|cells?|boxe?s?|lines?)\s*#?\s*\d+|\br\d+c\d+\b|\(\s*\d+\s*,\s*\d+\s*\)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.]\d)")
_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


def stated_numbers(reply: str) -> set[int]:
    """The numbers a reply states as values (place references such as "row 3" left out;
    small numbers written as words counted)."""
    text = _PLACE.sub(" ", reply)
    found = {int(m.group(0)) for m in _NUMBER.finditer(text)}
    found |= {v for w, v in _WORDS.items() if re.search(rf"\b{w}\b", text, re.IGNORECASE)}
    return found


def judge(expected: set[int], shown: str, reply: str, what: str) -> ReplyCheck:
    """Agrees when the reply states one of `expected` and nothing else; contradicts when
    it states numbers and none of them is expected; otherwise cannot tell."""
    stated = stated_numbers(reply)
    if stated and stated <= expected:
        return ReplyCheck(agrees=True, expected=shown, note=f"agrees with the verified {what}")
    if stated and not stated & expected:
        said = ", ".join(str(n) for n in sorted(stated))
        return ReplyCheck(
            agrees=False,
            expected=shown,
            note=f"contradicts the verified {what}: it says {said}, the verified answer {shown}",
        )
    return ReplyCheck(
        agrees=None, expected=shown, note=f"not checked: the verified {what} is {shown}"
    )


_CORNERS = {
    r"top[- ]?left|upper[- ]?left": (0, 0),
    r"top[- ]?right|upper[- ]?right": (0, -1),
    r"bottom[- ]?left|lower[- ]?left": (-1, 0),
    r"bottom[- ]?right|lower[- ]?right": (-1, -1),
}
_ROW_COL = re.compile(
    r"\brow\s*(\d+)\s*(?:,|and|&)?\s*(?:in\s+)?col(?:umn)?\s*(\d+)|\br(\d+)\s*c(\d+)\b",
    re.IGNORECASE,
)
_COL_ROW = re.compile(
    r"\bcol(?:umn)?\s*(\d+)\s*(?:,|and|&)?\s*(?:in\s+)?row\s*(\d+)", re.IGNORECASE
)


def asked_cell(question: str, rows: int, cols: int) -> tuple[int, int] | None:
    """The cell a question names, 0-based: "row 2, column 5", "r2c5", "column 5 row 2",
    a corner ("top-right corner") or the centre; None when it names none (or several)."""
    found: list[tuple[int, int]] = []
    for m in _ROW_COL.finditer(question):
        r, c = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found.append((int(r) - 1, int(c) - 1))
    for m in _COL_ROW.finditer(question):
        found.append((int(m.group(2)) - 1, int(m.group(1)) - 1))
    for pattern, (r, c) in _CORNERS.items():
        if re.search(rf"\b(?:{pattern})\b", question, re.IGNORECASE):
            found.append((r % rows, c % cols))
    if re.search(r"\b(?:centre|center|middle)\s+(?:cell|square)\b", question, re.IGNORECASE):
        if rows % 2 and cols % 2:
            found.append((rows // 2, cols // 2))
    cells = set(found)
    if len(cells) != 1:
        return None
    (r, c), = cells
    return (r, c) if 0 <= r < rows and 0 <= c < cols else None
