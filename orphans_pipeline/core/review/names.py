"""Reviewer names that only look like ours: invisible characters, and look-alikes (confusables).

A reviewer name is printed in the history ("… by ana"); a name that renders as `pipeline`
would pass a reviewer's change off as the pipeline's. Two checks keep that from happening:

- `invisible_characters`: code points that render as nothing or as a blank (the Default
  Ignorable Code Points of Unicode's DerivedCoreProperties, Hangul and Braille fillers, every
  space but U+0020, format and control characters, unassigned and private-use code points).
- `skeleton`: a name reduced to what it looks like, after Unicode TR39's idea of a skeleton,
  for the characters that matter here. Two names with the same skeleton read the same. Steps:
  NFKC (full-width letters, mathematical alphanumerics, ligatures, script l, long s become plain
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
    "a": "\u0430\u0251\u03b1\u237a",  # Cyrillic a, Latin alpha, Greek alpha, APL alpha
    "c": "\u0441\u03f2\u1d04",  # Cyrillic es, Greek lunate sigma, small capital c
    "d": "\u0501",  # Cyrillic komi de
    "e": "\u0435\u04bd",  # Cyrillic ie, Abkhasian che
    "g": "\u0261",  # Latin script g
    "h": "\u04bb\u0570",  # Cyrillic shha, Armenian ho
    "i": "\u0456\u0131\u03b9\u04cf\u0269",  # Cyrillic i, dotless i, Greek iota, palochka, iota
    "j": "\u0458\u03f3",  # Cyrillic je, Greek yot
    "k": "\u03ba\u043a",  # Greek kappa, Cyrillic ka
    "n": "\u0578",  # Armenian vo
    "o": "\u043e\u03bf\u03c3\u0585\u1d0f",  # Cyrillic o, Greek omicron, sigma, Armenian oh, o
    "p": "\u0440\u03c1",  # Cyrillic er, Greek rho
    "q": "\u051b",  # Cyrillic qa
    "r": "\u0433",  # Cyrillic ghe
    "s": "\u0455\ua731",  # Cyrillic dze, small capital s
    "u": "\u03c5\u057d",  # Greek upsilon, Armenian seh
    "v": "\u03bd\u0475",  # Greek nu, Cyrillic izhitsa
    "w": "\u0461\u051d\u03c9",  # Cyrillic omega and we, Greek omega
    "x": "\u0445\u03c7",  # Cyrillic ha, Greek chi
    "y": "\u0443\u04af\u03b3",  # Cyrillic u and straight u, Greek gamma
    "z": "\u1d22",  # small capital z
    "A": "\u0410\u0391",  # Cyrillic, Greek
    "B": "\u0412\u0392",  # Cyrillic ve, Greek beta
    "C": "\u0421\u03f9",  # Cyrillic es, Greek lunate sigma
    "E": "\u0415\u0395",  # Cyrillic, Greek
    "H": "\u041d\u0397",  # Cyrillic en, Greek eta
    "I": "\u0406\u0399\u04c0",  # Cyrillic, Greek, palochka
    "J": "\u0408",  # Cyrillic je
    "K": "\u041a\u039a",  # Cyrillic, Greek
    "M": "\u041c\u039c",  # Cyrillic, Greek
    "N": "\u039d",  # Greek nu
    "O": "\u041e\u039f\u0555",  # Cyrillic, Greek, Armenian
    "P": "\u0420\u03a1",  # Cyrillic er, Greek rho
    "Q": "\u051a",  # Cyrillic qa
    "S": "\u0405",  # Cyrillic dze
    "T": "\u0422\u03a4",  # Cyrillic, Greek
    "W": "\u051c",  # Cyrillic we
    "X": "\u0425\u03a7",  # Cyrillic ha, Greek chi
    "Y": "\u04ae\u03a5",  # Cyrillic straight u, Greek upsilon
    "Z": "\u0396",  # Greek zeta
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
