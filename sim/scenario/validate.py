"""Checks that span fields: references between sections and dates in the calendar."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass

from sim.core.calendar import format_month, parse_month
from sim.scenario.convert import did_you_mean, join, month
from sim.scenario.dist import Dist
from sim.scenario.errors import ScenarioError, short
from sim.scenario.schema import ALLOCATIONS, Scenario

MAX_MONTHS = 600  # 50 years: bounds run time and memory of a hand-edited calendar
# The name becomes the default run directory outputs/<name>/: one plain path component.
SCENARIO_NAME = re.compile(r"\w[\w .+-]{0,99}")
# ... measured in bytes as well: 100 CJK characters are 300 bytes, more than a file
# name may hold once "-sweep" (or "-morris") and the staging suffixes are added.
MAX_NAME_BYTES = 200


def default_name(stem: str) -> str:
    """Return a valid name made from a file's stem, for a scenario that gives none.

    The user never wrote it, so it is made to fit rather than refused:
    "baseline (copy)" becomes "baseline copy": each run of characters a name
    cannot hold becomes one space, leading punctuation goes, and the name is cut
    to the length limits. An explicit ``name`` is still checked strictly
    (``check_ids``).
    """
    name = " ".join(re.sub(r"[^\w .+-]", " ", stem).split())
    name = re.sub(r"^\W+", "", name)[:100]
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip() or "scenario"


def validate(scenario: Scenario) -> None:
    """Raise ScenarioError on the first cross-field problem found."""
    start = month(scenario.calendar.start, "calendar.start")
    end = month(scenario.calendar.end, "calendar.end")
    if end < start:
        raise ScenarioError("calendar ends before it starts", "calendar.end")
    if end - start + 1 > MAX_MONTHS:
        raise ScenarioError(
            f"calendar spans {end - start + 1} months (at most {MAX_MONTHS})", "calendar.end"
        )
    if scenario.run.allocation not in ALLOCATIONS:
        raise ScenarioError(
            f"unknown allocation rule {scenario.run.allocation!r}"
            + did_you_mean(scenario.run.allocation, ALLOCATIONS),
            "run.allocation",
        )
    check_dates(scenario, "", start, end)
    check_ids(scenario)
    check_references(scenario)
    check_lever(scenario)
    check_shares(scenario)
    check_grey_market(scenario)
    check_demand(scenario)


def check_demand(scenario: Scenario) -> None:
    """Demand is given as H100e (``base``) or as a budget (``budget_usd``), exactly one."""
    demand = scenario.demand
    if (demand.base is None) == (demand.budget_usd is None):
        raise ScenarioError(
            "give exactly one of demand.base (H100e) and demand.budget_usd (USD)",
            "demand.budget_usd" if demand.base is not None else "demand.base",
        )
    if demand.budget_usd is not None and demand.initial_usd_per_h100e is None:
        raise ScenarioError(
            "a budget needs the price buyers expect at first (USD per H100e)",
            "demand.initial_usd_per_h100e",
        )


def check_grey_market(scenario: Scenario) -> None:
    """Grey-market products follow bars only: a guidance there would be silently ignored.

    Only grey-market supply answers scarcity: licensed products refuse a
    scarcity response or an enforcement cap rather than ignore them.
    """
    for name, product in scenario.imports.items():
        response = product.scarcity_response
        if response.kind != "fixed" or response.args[0] != 0 or product.enforcement_cap:
            key = "enforcement_cap" if product.enforcement_cap else "scarcity_response"
            raise ScenarioError(
                "only grey-market supply responds to scarcity within an "
                "enforcement cap; a licensed product's supply is its "
                "units_per_month and its events",
                f"imports.{name}.{key}",
            )
    for name, product in scenario.grey_market.items():
        if product.guidance != 1.0:
            raise ScenarioError(
                "grey-market products follow bars only, so guidance has no "
                "effect here; remove it (or model the product as an import)",
                f"grey_market.{name}.guidance",
            )


def check_dates(node, path: str, start: int, end: int) -> None:
    """Every month in the tree (values and keys) must fall in the calendar."""
    years = range(start // 12, end // 12 + 1)
    for f in fields(node):
        value, here = getattr(node, f.name), join(path, f.name)
        if f.name in ("calendar", "extends") or value is None or f.metadata.get("open_date"):
            continue  # an open date may lie outside the calendar (it fires first, or never)
        if isinstance(value, Dist) and value.is_date:
            for bound in value.bounds:
                in_calendar(int(bound), here, start, end)
        elif f.metadata.get("month"):
            in_calendar(parse_month(value), here, start, end)
        elif is_dataclass(value):
            check_dates(value, here, start, end)
        elif isinstance(value, dict):
            for key, item in value.items():
                check_key_date(key, join(here, key), f.metadata.get("keys"), years, start, end)
                if is_dataclass(item):
                    check_dates(item, join(here, key), start, end)


def check_key_date(key: str, path: str, kind, years, start: int, end: int) -> None:
    """Year keys within the calendar's years, month keys within its months."""
    if kind == "year" and int(key) not in years:
        raise ScenarioError(f"year {key} is outside the calendar ({years[0]}-{years[-1]})", path)
    if kind == "month":
        in_calendar(parse_month(key), path, start, end)


def in_calendar(ordinal: int, path: str, start: int, end: int) -> None:
    """Refuse a month outside ``[start, end]``."""
    if not start <= ordinal <= end:
        raise ScenarioError(
            f"date {format_month(ordinal)} is outside the calendar "
            f"({format_month(start)} to {format_month(end)})",
            path,
        )


def check_ids(scenario: Scenario) -> None:
    """Check the name is one safe path component and ids are unique where outputs use them."""
    if not SCENARIO_NAME.fullmatch(scenario.name) or scenario.name != scenario.name.strip():
        raise ScenarioError(
            "expected letters, digits, spaces, '.', '+', '-' or '_' (at most "
            "100, starting with a letter, digit or '_'), got "
            f"{short(scenario.name)!r}",
            "name",
        )
    size = len(scenario.name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise ScenarioError(
            f"the name is {size} bytes long in UTF-8, more than the "
            f"{MAX_NAME_BYTES} bytes an output directory name may take "
            "(outputs/<name>-sweep/ plus chipsim's hidden suffixes must fit in "
            "255 bytes): choose a shorter name",
            "name",
        )
    if "national" in scenario.segments:
        raise ScenarioError('"national" is reserved for the national totals', "segments.national")
    if not scenario.vendors:
        raise ScenarioError("at least one domestic vendor is needed", "vendors")
    for vname, vendor in scenario.vendors.items():
        if not vendor.products:
            raise ScenarioError("at least one product is needed", f"vendors.{vname}.products")
    if not scenario.imports and not scenario.grey_market:
        raise ScenarioError("at least one import or grey-market product is needed", "imports")
    for name in scenario.grey_market:
        if name in scenario.imports:
            raise ScenarioError(
                f"{name!r} is already an import product id; use another id", f"grey_market.{name}"
            )


def check_references(scenario: Scenario) -> None:
    """Vendors name real foundries and memory pools; events name real products and segments."""
    for vname, vendor in scenario.vendors.items():
        here = f"vendors.{vname}"
        for foundry in vendor.wafer_share:
            if foundry not in scenario.foundries:
                raise ScenarioError(
                    f"unknown foundry {foundry!r}" + did_you_mean(foundry, scenario.foundries),
                    f"{here}.wafer_share.{foundry}",
                )
        for pname, product in vendor.products.items():
            check_product(product, vendor, f"{here}.products.{pname}")
    products = {**scenario.imports, **scenario.grey_market}
    for ename, event in scenario.events.items():
        check_event(event, scenario, products, f"events.{ename}")
    if not scenario.segments:
        raise ScenarioError("at least one buyer segment is needed", "segments")
    for sname, segment in scenario.segments.items():
        if segment.quota is not None and not segment.quota.points:
            raise ScenarioError("a quota path needs at least one point", f"segments.{sname}.quota")


def check_lever(scenario: Scenario) -> None:
    """``run.lever_segments`` names segments that exist, each once (absent: the default)."""
    reach = scenario.run.lever_segments
    if reach is None:
        return
    for segment in reach:
        if segment not in scenario.segments:
            raise ScenarioError(
                f"unknown segment {segment!r}" + did_you_mean(segment, scenario.segments),
                "run.lever_segments",
            )
    if len(set(reach)) < len(reach):
        raise ScenarioError("expected each segment listed once", "run.lever_segments")


def check_product(product, vendor, here: str) -> None:
    """Check a product's foundries are its vendor's and its memory pool exists."""
    for foundry in product.foundries:
        if foundry not in vendor.wafer_share:
            raise ScenarioError(
                f"{foundry!r} is not one of the vendor's foundries"
                + did_you_mean(foundry, vendor.wafer_share),
                f"{here}.foundries",
            )
    pools = vendor.memory or {"hbm": None}
    if product.memory not in pools:
        raise ScenarioError(
            f"unknown memory pool {product.memory!r}" + did_you_mean(product.memory, pools),
            f"{here}.memory",
        )


def check_event(event, scenario: Scenario, products: dict, here: str) -> None:
    """Check an event names a product (or "*") and segments that exist, and its value."""
    from sim.scenario.schema import SHARE_KINDS

    if event.product != "*" and event.product not in products:
        raise ScenarioError(
            f"unknown import product {event.product!r}" + did_you_mean(event.product, products),
            f"{here}.product",
        )
    if event.product in scenario.grey_market and event.kind != "bar":
        raise ScenarioError(
            'a grey-market product is subject to bars only (kind = "bar")', f"{here}.kind"
        )
    for segment in event.segments:
        if segment not in scenario.segments:
            raise ScenarioError(
                f"unknown segment {segment!r}" + did_you_mean(segment, scenario.segments),
                f"{here}.segments",
            )
    if event.kind in SHARE_KINDS and any(b > 1 for b in event.value.bounds):
        raise ScenarioError(f"a {event.kind} value is a share in [0, 1]", f"{here}.value")


def check_shares(scenario: Scenario) -> None:
    """Vendors cannot take more than all of a foundry's AI wafers."""
    totals: dict[str, float] = {}
    for vendor in scenario.vendors.values():
        for foundry, share in vendor.wafer_share.items():
            totals[foundry] = totals.get(foundry, 0.0) + share.central
    for foundry, total in totals.items():
        if total > 1 + 1e-9:
            raise ScenarioError(
                f"vendors take {total:.3g} of its AI wafers (at most 1)", f"foundries.{foundry}"
            )
    if sum(s.demand_share.central for s in scenario.segments.values()) <= 0:
        raise ScenarioError("segment demand shares sum to zero", "segments")
