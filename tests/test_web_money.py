"""Money beside results on the web and in the API: "Strategie und Geld" for the controlling
office, the Produktgruppen-Steckbriefe for whoever may see the group (a department only its
own; another's answers 404 like an unknown one, so the answer does not reveal it exists),
the API's amounts as decimal strings.

The numbers are those worked out by hand in tests/money_data.py (cycle 2027, Berichtsjahr
2026): 54.20 Kreisstraßen, plan (Ansatz) 9.100.000 €, result 9.620.000 €, +520.000 €, +5,7 %.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.money_data import insert_budget_lines
from tests.test_web_access import Web
from tests.webworld import Clock, RecordingFlows, build_world, visible_text

NBSP = "\u00a0"
UMWELT_GROUPS = ["55.40", "56.10"]  # Teilhaushalt 8 (tests/test_money.py)


def make_web(database_url: str, engine: sa.Engine) -> Web:
    from web.app import create_app
    from web.settings import WebSettings

    build_world(engine)
    app = create_app(WebSettings(database_url=database_url), clock=Clock(), flows=RecordingFlows())
    return Web(engine, Clock(), RecordingFlows(), app)


@pytest.fixture
def web(database_url: str, engine: sa.Engine, loerrach) -> Web:  # type: ignore[no-untyped-def]
    insert_budget_lines(engine, loerrach)
    return make_web(database_url, engine)


@pytest.fixture
def web_without_money(database_url: str, engine: sa.Engine, loerrach) -> Web:  # type: ignore[no-untyped-def]
    return make_web(database_url, engine)


def test_controlling_sees_strategy_and_money_and_every_group(web: Web) -> None:
    client = web.login("controlling")
    response = client.get("/cycles/2027/money")
    assert response.status_code == 200
    html, text = response.text, visible_text(response.text)
    assert "Strategie und Geld 2027" in text
    assert "keinem Schwerpunkt zugeordnet" in text
    # a priority without links, by its field and place, never its internal key
    assert "Blinde Flecken" in text and "Mobilität, Schwerpunkt 4" in text
    assert "mobilitaet.4" not in text
    assert "61.20 Sonstige allgemeine Finanzwirtschaft" in text  # large, without figures
    assert "Schlüsselpositionen und ihr Geld" in text
    assert "THH 9 Mobilität und Straßen" in text
    assert "im Verhältnis ihrer Anzahl je Schwerpunkt" in text  # the apportionment rule
    for number in ("54.20", "55.40", "56.10", "61.20"):
        assert f'href="/cycles/2027/groups/{number}"' in html
    # amounts: a no-break space before €, never a wrap inside the number
    assert f"9.620.000{NBSP}€" in html
    assert 'class="num"' in html and "<caption" in html and 'scope="col"' in html

    profile = client.get("/cycles/2027/groups/54.20")
    assert profile.status_code == 200
    text = visible_text(profile.text)
    assert "Produktgruppe 54.20 Kreisstraßen" in text
    assert "Teilhaushalt 9 Mobilität und Straßen" in text
    assert "Zuschussbedarf 9.100.000 € 9.620.000 € +520.000 € +5,7 %" in text
    assert "Plan: Ansatz" in text
    assert "2025 Plan: fortgeschriebener Ansatz 9.350.000 € 8.935.250 € -414.750 € -4,4 %" in text
    assert "2027 Finanzplanung 9.300.000 €" in text
    # the chart with its text alternative, inline SVG (no script)
    assert 'role="img"' in profile.text and "<title>Zuschussbedarf je Jahr" in profile.text
    assert "2026: 9.100.000 € / 9.620.000 €" in text
    assert "keine Angabe" in text  # lights in words
    assert "Radweg entlang der K 6332 bauen – in Umsetzung" in text
    assert "Mobilität, Schwerpunkt 2" in text and "6.066.667 €" in text  # 2/3 of the plan
    assert "mobilitaet.2" not in text

    overview = visible_text(client.get("/cycles/2027").text)
    assert "Strategie und Geld Zuschussbedarf 2026 Plan" in overview
    assert "Blinde Flecken" in overview
    assert "Strategie und Geld 2027: je Schwerpunkt" in overview


def test_a_department_sees_only_its_own_groups_on_the_web_and_in_the_api(web: Web) -> None:
    client = web.login("umwelt")
    page = client.get("/cycles/2027/departments/umwelt")
    html = page.text
    for number in UMWELT_GROUPS:
        assert f'href="/cycles/2027/groups/{number}"' in html
    assert "/cycles/2027/groups/54.20" not in html
    assert "56.10 Umweltschutzmaßnahmen" in visible_text(html)

    own = client.get("/cycles/2027/groups/56.10")
    assert own.status_code == 200
    assert "+5,7" not in own.text and "-7,2 %" in visible_text(own.text)
    for path in ("/cycles/2027/groups/54.20", "/cycles/2027/groups/99.99"):
        refused = client.get(path)
        assert refused.status_code == 404, path
        assert "Kreisstraßen" not in refused.text
        assert "Nicht gefunden" in visible_text(refused.text)
    assert client.get("/cycles/2027/money").status_code == 403  # like the overview

    groups = client.get("/api/cycles/2027/groups").json()
    assert [g["number"] for g in groups] == UMWELT_GROUPS
    assert client.get("/api/cycles/2027/groups/56.10").json()["result"] == "1531000.00"
    for number in ("54.20", "99.99"):
        refused = client.get(f"/api/cycles/2027/groups/{number}")
        assert refused.status_code == 404
        assert refused.json()["detail"] == f"Die Produktgruppe {number} gibt es nicht."
    assert client.get("/api/cycles/2027/money").status_code == 403


def test_the_api_gives_money_as_decimal_strings(web: Web) -> None:
    client = web.login("controlling")
    groups = {g["number"]: g for g in client.get("/api/cycles/2027/groups").json()}
    assert len(groups) > len(UMWELT_GROUPS)
    roads = groups["54.20"]
    assert (roads["planned"], roads["result"]) == ("9100000.00", "9620000.00")
    assert (roads["deviation_eur"], roads["deviation_pct"]) == ("520000.00", "5.7")
    assert roads["plan_basis"] == "ansatz" and roads["departments"] == ["mobilitaet"]
    assert groups["56.10"]["deviation_pct"] == "-7.2"

    profile = client.get("/api/cycles/2027/groups/54.20").json()
    assert [y["year"] for y in profile["series"]] == [2024, 2025, 2026]
    assert profile["series"][1]["result"] == "8935250.00"
    assert profile["series"][1]["plan_basis"] == "fortgeschrieben"
    assert profile["financial_plan"][0] == {"year": 2027, "planned": "9300000.00"}
    shares = {p["code"]: p["planned"] for p in profile["priorities"]}
    assert shares == {"mobilitaet.2": "6066666.67", "mobilitaet.3": "3033333.33"}
    assert {f["key"] for f in profile["figures"]} == {"radwege-neu", "kreisstrassen-zustand"}

    money = client.get("/api/cycles/2027/money").json()
    assert money["report_year"] == 2026 and money["has_money"] is True
    assert "61.20" in money["unattributed"]["groups"]
    assert "61.20" in [g["number"] for g in money["blind_spots"]["large_groups"]]
    assert "mobilitaet.4" in [p["code"] for p in money["blind_spots"]["priorities"]]
    by_code = {p["code"]: p for f in money["fields"] for p in f["priorities"]}
    assert by_code["mobilitaet.2"]["groups"] == ["54.20"]
    schema = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/cycles/{year}/groups", "/api/cycles/{year}/groups/{number}"} <= set(schema)


def test_a_body_without_budget_data_says_so(web_without_money: Web) -> None:
    client = web_without_money.login("controlling")
    hint = "Noch keine Haushaltsdaten: kreislauf budget import DATEI"
    for path in ("/cycles/2027/money", "/cycles/2027/groups/54.20", "/cycles/2027"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert hint in visible_text(response.text), path
    assert "Für diese Produktgruppe liegen keine Haushaltsdaten vor." in visible_text(
        client.get("/cycles/2027/groups/54.20").text
    )
    roads = client.get("/api/cycles/2027/groups/54.20").json()
    assert roads["planned"] is None and roads["series"] == []
    assert client.get("/api/cycles/2027/money").json()["has_money"] is False


@pytest.mark.parametrize("number", ["5420", "54.2", "54.200", "a4.20", "54-20", "..."])
def test_a_malformed_group_number_is_404(web: Web, number: str) -> None:
    client = web.login("controlling")
    assert client.get(f"/cycles/2027/groups/{number}").status_code == 404
    assert client.get(f"/api/cycles/2027/groups/{number}").status_code == 404
    assert client.get("/cycles/2031/groups/54.20").status_code == 404  # no such cycle
