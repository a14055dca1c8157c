"""Reviewer names that only look like ours: invisible characters, and look-alikes (confusables).

A reviewer name is printed in the history ("… by ana"); a name that renders as `pipeline`
would pass a reviewer's change off as the pipeline's. Two checks keep that from happening:

- `invisible_characters`: code points that render as nothing or as a blank (the Default
  Ignorable Code Points of Unicode's DerivedCoreProperties, Hangul and Braille fillers, every
  space but U+0020, format and control characters, unassigned and private-use code points).
- `skeleton`: a name reduced to what it looks like, after Unicode TR39's idea of a skeleton,
  for the characters that matter here. Two names with the same skeleton read the same. Steps:
  NFKC (full-width letters, mathematical alphanumerics, ligatures, `ℓ`, `ſ` become plain
  letters); each look-alike of `LOOKALIKES` becomes its Latin letter; case-folded; the table
  again (a capital folds to a small letter that may itself be a look-alike); accents dropped
  (NFD without combining marks); the digits and letters that share a glyph merged (`0` → `o`;
  `1`, `i`, `l`, `|` → `l`); the letter pairs that read as one (`rn` → `m`, `vv` → `w`,
  `cl` → `d`); separators (spaces, `_`, `-`, `.`) dropped.

The table is ours, kept small on purpose: the Cyrillic, Greek, Armenian and Latin letters
that look like a Latin letter in common fonts. It errs towards refusing: a name whose skeleton
is a reserved name's is refused even where a careful reader could tell them apart.
"""

import unicodedata

# Latin letter -> characters of other scripts (or Latin extensions) drawn like it.
LOOKALIKES = {
    "a": "\u0430\u0251\u03b1\u237a",  # а ɑ α ⍺
    "c": "\u0441\u03f2\u1d04",  # с ϲ ᴄ
    "d": "\u0501",  # ԁ
    "e": "\u0435\u04bd",  # е ҽ
    "g": "\u0261",  # ɡ
    "h": "\u04bb\u0570",  # һ հ
    "i": "\u0456\u0131\u03b9\u04cf\u0269",  # і ı ι ӏ ɩ
    "j": "\u0458\u03f3",  # ј ϳ
    "k": "\u03ba\u043a",  # κ к
    "n": "\u0578",  # ո
    "o": "\u043e\u03bf\u03c3\u0585\u1d0f",  # о ο σ օ ᴏ
    "p": "\u0440\u03c1",  # р ρ
    "q": "\u051b",  # ԛ
    "r": "\u0433",  # г
    "s": "\u0455\ua731",  # ѕ ꜱ
    "u": "\u03c5\u057d",  # υ ս
    "v": "\u03bd\u0475",  # ν ѵ
    "w": "\u0461\u051d\u03c9",  # ѡ ԝ ω
    "x": "\u0445\u03c7",  # х χ
    "y": "\u0443\u04af\u03b3",  # у ү γ
    "z": "\u1d22",  # ᴢ
    "A": "\u0410\u0391",  # А Α
    "B": "\u0412\u0392",  # В Β
    "C": "\u0421\u03f9",  # С Ϲ
    "E": "\u0415\u0395",  # Е Ε
    "H": "\u041d\u0397",  # Н Η
    "I": "\u0406\u0399\u04c0",  # І Ι Ӏ
    "J": "\u0408",  # Ј
    "K": "\u041a\u039a",  # К Κ
    "M": "\u041c\u039c",  # М Μ
    "N": "\u039d",  # Ν
    "O": "\u041e\u039f\u0555",  # О Ο Օ
    "P": "\u0420\u03a1",  # Р Ρ
    "Q": "\u051a",  # Ԛ
    "S": "\u0405",  # Ѕ
    "T": "\u0422\u03a4",  # Т Τ
    "W": "\u051c",  # Ԝ
    "X": "\u0425\u03a7",  # Х Χ
    "Y": "\u04ae\u03a5",  # Ү Υ
    "Z": "\u0396",  # Ζ
}
TO_LATIN = str.maketrans({alike: latin for latin, alikes in LOOKALIKES.items() for alike in alikes})
# Digits and letters drawn alike, merged into one of them; then the pairs read as one letter.
SAME_GLYPH = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l"})
READ_AS_ONE = (("rn", "m"), ("vv", "w"), ("cl", "d"))
SEPARATORS = str.maketrans("", "", " _-.")

# Rendered as nothing or as a blank: Unicode's Default_Ignorable_Code_Point ranges, plus the
# fillers that are letters by category (Hangul U+3164, U+115F, U+1160, U+FFA0; Braille U+2800).
INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Controls, format characters, separators of lines and paragraphs, surrogates, private use and
# unassigned code points; and spaces other than U+0020 (a no-break or ideographic space).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def is_invisible(char: str) -> bool:
    if char == " ":
        return False
    point = ord(char)
    if any(low <= point <= high for low, high in INVISIBLE_RANGES):
        return True
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


def invisible_characters(text: str) -> list[str]:
    """The code points of `text` that render as nothing or a blank, as `U+XXXX`."""
    return [f"U+{ord(char):04X}" for char in dict.fromkeys(text) if is_invisible(char)]


def skeleton(text: str) -> str:
    """What `text` looks like, as plain Latin letters and digits (see the module's docstring)."""
    shown = unicodedata.normalize("NFKC", text).translate(TO_LATIN).casefold().translate(TO_LATIN)
    decomposed = unicodedata.normalize("NFD", shown)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    merged = plain.translate(SAME_GLYPH)
    for pair, letter in READ_AS_ONE:
        merged = merged.replace(pair, letter)
    return merged.translate(SEPARATORS)
