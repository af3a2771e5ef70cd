"""Display names of the ids a scenario uses: buyer segments, vendors and import products.

One table per kind names every id of the shipped scenarios
(``tests/test_core_names.py`` fails until a new one has its name here); an id
of another scenario is shown by one rule (:func:`display`: underscores to
spaces, a capital first). A segment named by a common noun is also listed in
``COMMON_NOUNS``, to be written in lower case inside a sentence
(:func:`in_sentence`). The report, the figures, the data dictionary and the
sentences of :mod:`sim.results.why` all read these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

SEGMENT_NAMES = {
    "beijing": "Beijing",
    "shanghai": "Shanghai",
    "guiyang": "Guiyang (Guizhou)",
    "other_major": "Other major cities",
    "state_funded": "State-funded DCs",
    "private": "Private hyperscalers",
}
# segments named by a common noun: lower case inside a sentence ("other major cities")
COMMON_NOUNS = ("other_major", "state_funded", "private")
VENDOR_NAMES = {
    "huawei": "Huawei",
    "cambricon": "Cambricon",
    "kunlunxin": "Kunlunxin",
    "t_head": "T-Head",
    "others": "Other domestic",
}
PRODUCT_NAMES = {
    "h20": "H20",
    "h200": "H200",
    "rtx_pro_6000d": "RTX Pro 6000D",
    "legacy": "A800/H800",
    "smuggled": "Grey market",
    "mi308": "MI308",
    "l20": "L20/L2",
    "a100": "A100 (stock)",
}
NAMES = {**PRODUCT_NAMES, **SEGMENT_NAMES, **VENDOR_NAMES}  # the ids of the kinds differ


def display(name: str, names: Mapping[str, str] = NAMES) -> str:
    """Return ``name``'s display name: from ``names``, else the id with spaces and a capital."""
    return names.get(name, name.replace("_", " ").capitalize())


def in_sentence(segment: str) -> str:
    """Return a segment's name inside a sentence ("Beijing", "other major cities")."""
    name = display(segment, SEGMENT_NAMES)
    return name[:1].lower() + name[1:] if segment in COMMON_NOUNS else name
