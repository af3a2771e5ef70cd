"""sim.scenario.evidence: every shipped parameter cites registry evidence (issue 2, section 2), and
every entry cites a publication a reader can check (issue 20, part 5)."""

from __future__ import annotations

import re
from dataclasses import fields
from urllib.parse import urlsplit

import pytest
from chipsim_testing import BASELINE, REGISTRY, ROOT, SCENARIOS
from click.testing import CliRunner

from sim.interfaces.cli import main
from sim.report.assumptions import source_table
from sim.scenario import ScenarioError, load
from sim.scenario.evidence import (
    ASSUMPTION,
    DATE,
    NO_DATE,
    Evidence,
    Publication,
    citation_problems,
    load_registry,
    registry_path,
)
from sim.scenario.tree import parameters

SHIPPED = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="module")
def registry():
    return load_registry(REGISTRY)


@pytest.fixture(scope="module")
def new_problems(registry, baseline):
    """Problems of a variant that the baseline does not have (the variants extend it)."""
    known = set(citation_problems(baseline, registry))
    return lambda scenario: [p for p in citation_problems(scenario, registry) if p not in known]


def test_registry_entries_are_complete(registry):
    assert len(registry) > 50
    for ident, entry in registry.items():
        assert entry.id == ident and entry.claim.strip() and entry.citation_lines()
        has_figure = entry.value is not None or (entry.low is not None and entry.high is not None)
        assert has_figure or entry.note.strip(), f"{ident} gives no value, range or note"
        if entry.low is not None and entry.high is not None:
            assert entry.low <= entry.high, ident


def test_shipped_scenarios_exist():
    assert "baseline.toml" in {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_parameter_cites_registered_evidence(path, registry):
    scenario = load(path)
    params = parameters(scenario)
    assert len(params) > 100
    uncited = [p.path for p in params if not p.evidence and not p.default]
    unknown = [(p.path, i) for p in params for i in p.evidence if i not in registry]
    assert not uncited, f"{path.name}: {len(uncited)} parameters cite nothing: {uncited}"
    assert not unknown, f"{path.name}: unknown evidence ids: {unknown}"
    assert citation_problems(scenario, registry) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_registry_is_found_beside_the_scenarios(path):
    assert registry_path(path).resolve() == REGISTRY.resolve()


def test_untouched_schema_defaults_are_exempt_but_written_values_are_not(
    write_scenario, new_problems
):
    scenario = load(write_scenario("[vendors.cambricon]\nbanked_dies = 5000\n"))
    assert new_problems(scenario) == ["vendors.cambricon.banked_dies: cites no evidence"]
    defaults = {p.path for p in parameters(load(BASELINE)) if p.default}
    assert "vendors.cambricon.banked_dies" in defaults


def test_unknown_id_is_reported(write_scenario, new_problems):
    scenario = load(
        write_scenario('[demand]\nbase = { value = 300000, evidence = ["NOPE1", "S1"] }\n')
    )
    assert new_problems(scenario) == ["demand.base: cites unknown evidence id 'NOPE1'"]


def test_parameter_citing_nothing_is_reported(write_scenario, new_problems):
    scenario = load(
        write_scenario("[segments.beijing]\nsubstitution = { value = 0.8, evidence = [] }\n")
    )
    assert new_problems(scenario) == ["segments.beijing.substitution: cites no evidence"]


def test_uncited_event_and_quota_path_are_reported(write_scenario, new_problems):
    scenario = load(
        write_scenario(
            '[events.new_ban]\ndate = "2026-07"\nproduct = "h20"\nkind = "licence"\nvalue = 0.0\n'
            '[segments.private.quota]\npoints = { "2027-12" = 0.3 }\n'
        )
    )
    problems = new_problems(scenario)
    assert "events.new_ban: cites no evidence" in problems
    assert "segments.private.quota: cites no evidence" in problems
    assert len(problems) == 2


def test_disabled_event_needs_no_citation(write_scenario, new_problems):
    scenario = load(
        write_scenario(
            '[events.new_ban]\ndate = "2026-07"\nproduct = "h20"\nkind = "licence"\n'
            "value = 0.0\nenabled = false\n"
        )
    )
    assert new_problems(scenario) == []


def test_plain_override_keeps_the_citation_it_replaces(write_scenario, new_problems):
    scenario = load(write_scenario("[market]\nbacklog_months = 3\n"))
    assert scenario.market.backlog_months.evidence
    assert new_problems(scenario) == []


def test_malformed_registry_is_a_scenario_error(tmp_path):
    path = tmp_path / "evidence.toml"
    path.write_text('[evidence.S1]\nclaim = "x"\n', encoding="utf-8")  # fields missing
    with pytest.raises(ScenarioError, match=r"evidence\.S1\.unit: missing"):
        load_registry(path)
    path.write_text('[evidence.S1\nclaim = "x"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="cannot read the evidence registry"):
        load_registry(path)


# --- issue 20, part 5: every entry cites a publication a reader can check -------------------

SEED_KINDS = ("seed", "pack", "reference")
# The Korean outlets of the seed articles: named by masthead, by "[outlet]" in the copy, or by
# the reporters' bylines; two copies name no outlet and are cited as such.
OUTLETS = (
    "The Financial News (파이낸셜뉴스)",
    "BusinessPost (비즈니스포스트)",
    "Money Today (머니투데이)",
    "Korean-language news report (outlet not named",
)
HEADLINE = "중국 AI 반도체로 '딥시크 충격' 재현 노린다, 화웨이 SMIC 내년 성과에 주목"
HEX_ID = re.compile(r"\b[0-9a-f]{16}\b")
ENTRY = (
    '[evidence.Z1]\nclaim = "c"\nunit = "u"\nyear = "2025"\nkind = "pack"\nnote = "n"\n'
    'publisher = "Reuters"\ndate = "2025-11"\ntitle = "A headline"\n'
)


def cited(registry) -> list[Evidence]:
    """The entries that cite a publication (every kind but assumption)."""
    return [e for e in registry.values() if e.kind != ASSUMPTION]


def every_text(entry: Evidence) -> list[str]:
    """Every string an entry holds, its publications' included."""
    texts = [entry.claim, entry.unit, entry.year, entry.note, entry.basis]
    for pub in entry.publications():
        texts += [getattr(pub, f.name) for f in fields(Publication)]
    return texts


def test_every_cited_entry_names_publisher_date_and_title(registry):
    entries = cited(registry)
    assert len(entries) > 100
    for entry in entries:
        assert entry.publication is not None, entry.id
        for pub in entry.publications():
            assert pub.publisher.strip(), entry.id
            assert pub.date == NO_DATE or DATE.fullmatch(pub.date), (entry.id, pub.date)
            assert pub.title.strip() or pub.description.strip(), entry.id
            assert pub.citation().startswith(f"{pub.publisher}, {pub.date}, "), entry.id
    dated = [e for e in entries if e.publication.date != NO_DATE]
    assert len(dated) > 0.9 * len(entries), "most entries give a publication date"


def test_assumptions_state_their_basis_and_cite_no_publication(registry):
    assumptions = [e for e in registry.values() if e.kind == ASSUMPTION]
    assert len(assumptions) > 40
    for entry in assumptions:
        assert entry.basis.strip() and not entry.publications(), entry.id
        assert entry.citation_lines() == [f"chipsim assumption: {entry.basis}"]


def test_no_entry_names_a_local_file(registry):
    text = REGISTRY.read_text("utf-8")
    assert ".txt" not in text and not HEX_ID.search(text)
    assert "source =" not in text, "the free-text source field is replaced by citations"
    for entry in registry.values():
        for value in every_text(entry):
            assert ".txt" not in value and not HEX_ID.search(value), (entry.id, value)


def test_every_link_is_a_well_formed_https_url(registry):
    links = [(e.id, p.link) for e in registry.values() for p in e.publications() if p.link]
    assert links, "the vendor references link their public pages"
    for ident, link in links:
        parts = urlsplit(link)
        assert parts.scheme == "https" and "." in parts.netloc, (ident, link)
        assert not re.search(r"\s", link) and parts.netloc == parts.netloc.lower(), ident


def test_seed_articles_are_cited_by_outlet_and_date(registry):
    seeds = [e for e in registry.values() if e.kind == "seed"]
    assert len(seeds) > 40
    for entry in seeds:
        korean = [p for p in entry.publications() if p.publisher.startswith(OUTLETS)]
        assert korean, f"{entry.id} does not cite the seed article's outlet"
        assert all(p.date != NO_DATE or entry.id == "X1" for p in korean), entry.id
    outlets = {p.publisher for e in seeds for p in e.publications()}
    assert set(OUTLETS[:3]) <= outlets
    s1 = registry["S1"]
    assert (s1.publication.publisher, s1.publication.date) == ("TrendForce", "2025-05")
    assert (s1.via.publisher, s1.via.date) == (OUTLETS[0], "2025-05")
    assert registry["S4"].via.title == HEADLINE
    assert registry["P9"].via.date == "2025-08-14"


def test_report_source_table_shows_publisher_date_and_title(baseline, registry):
    table = source_table(baseline, registry)
    column = table.columns.index("Source")
    rows = {row[0]: row for row in table.rows}
    for ident, row in rows.items():
        entry = registry[ident]
        if entry.publication is None:
            assert entry.basis in row[column]
            continue
        for pub in entry.publications():
            assert f"{pub.publisher}, {pub.date}, " in row[column], ident
            assert (pub.title or pub.description) in row[column], ident
    assert OUTLETS[0] in rows["S1"][column] and "2025-05" in rows["S1"][column]
    assert HEADLINE in rows["S4"][column]
    assert "https://" in rows["H1"][column]


def test_params_sources_prints_the_citations():
    result = CliRunner().invoke(main, ["params", str(BASELINE), "--sources"])
    assert result.exit_code == 0, result.output
    assert "S1: TrendForce, 2025-05, " in result.output
    assert f"via {OUTLETS[0]}, 2025-05, " in result.output
    assert ".txt" not in result.output


def test_seeds_readme_documents_every_field_and_the_seed_articles(registry):
    readme = (ROOT / "seeds" / "README.md").read_text("utf-8")
    keys = (
        {f.name for f in fields(Evidence)} | {f.name for f in fields(Publication)} | {"via", "also"}
    ) - {"id", "publication"}
    for key in sorted(keys):
        assert f"`{key}`" in readme, f"seeds/README.md does not describe `{key}`"
    for outlet in OUTLETS[:3]:
        assert outlet in readme
    assert HEADLINE in readme
    assert ".txt" not in readme and not HEX_ID.search(readme)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (('publisher = "Reuters"\n', ""), "evidence.Z1.publisher: missing"),
        (('date = "2025-11"', 'date = "Nov 2025"'), "evidence.Z1.date: 'Nov 2025' is not a date"),
        (('date = "2025-11"', 'date = "2025-13"'), "evidence.Z1.date: '2025-13' is not a date"),
        (('title = "A headline"', 'title = ""'), "evidence.Z1.title: missing"),
        (
            ('title = "A headline"', 'title = "seed 004_29ec2812ba1027ef.txt"'),
            "evidence.Z1.title: names a local file",
        ),
        (
            ('title = "A headline"\n', 'title = "A"\nlink = "http://x.org/a"\n'),
            "evidence.Z1.link: 'http://x.org/a' is not a link",
        ),
        (('kind = "pack"', 'kind = "assumption"'), "evidence.Z1.date: an assumption cites no"),
        (('kind = "pack"', 'kind = "rumour"'), "evidence.Z1.kind: 'rumour' is not a kind"),
        (('unit = "u"\n', 'unit = "u"\nlow = 2\nhigh = 1\n'), "evidence.Z1: low .2. exceeds high"),
        (('note = "n"\n', ""), "evidence.Z1: missing: give a value"),
        (
            ('title = "A headline"\n', 'title = "A"\nsource = "FT"\n'),
            "evidence.Z1.source: unknown key",
        ),
        (
            (
                'title = "A headline"\n',
                'title = "A"\n[evidence.Z1.via]\npublisher = "X"\ntitle = "B"\n',
            ),
            "evidence.Z1.via.date: missing",
        ),
        (
            (
                'title = "A headline"\n',
                'title = "A"\n[[evidence.Z1.also]]\npublisher = "X"\ndate = "2024"\n',
            ),
            r"evidence.Z1.also\[0\].title: missing",
        ),
    ],
)
def test_registry_errors_name_the_key_path(tmp_path, change, where):
    path = tmp_path / "evidence.toml"
    old, new = change
    assert old in ENTRY
    path.write_text(ENTRY.replace(old, new), encoding="utf-8")
    with pytest.raises(ScenarioError, match=where) as caught:
        load_registry(path)
    assert str(caught.value).startswith(str(path))


def test_a_well_formed_entry_loads(tmp_path):
    path = tmp_path / "evidence.toml"
    path.write_text(
        ENTRY + '[evidence.A1]\nclaim = "c"\nunit = "u"\nyear = "2025"\n'
        'value = 1\nkind = "assumption"\nbasis = "from Z1"\n',
        encoding="utf-8",
    )
    registry = load_registry(path)
    assert registry["Z1"].source == "Reuters, 2025-11, \u201cA headline\u201d"
    assert registry["A1"].source == "chipsim assumption: from Z1"


def test_params_refuses_a_malformed_registry_naming_the_key(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "seeds").mkdir()
    scenario = tmp_path / "scenarios" / "mine.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\n', encoding="utf-8")
    text = REGISTRY.read_text("utf-8").replace('date = "2025-05"', 'date = "May 2025"', 1)
    (tmp_path / "seeds" / "evidence.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["params", str(scenario)])
    assert result.exit_code == 2
    assert "evidence.toml: evidence.S1.date: 'May 2025' is not a date" in result.output
