"""The synthetic data generator: deterministic, marked synthetic, the right shape."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from healthplan.generate import SOURCE, SYNTHETIC, generate, townships_of
from healthplan.store import Store
from healthplan.store import models as m
from healthplan.store.exchange import export_data


def _fingerprint(store) -> tuple:
    with store.session() as s:
        targets = s.execute(select(func.count(), func.sum(m.Target.baseline_value), func.count(m.Target.baseline_value))
                            .select_from(m.Target)).one()
        texts = hashlib.sha256("\n".join(s.scalars(select(m.Target.target_text).order_by(m.Target.id))).encode())
    return tuple(targets), texts.hexdigest(), hashlib.sha256(export_data(store, "json")).hexdigest()


def test_same_seed_same_data(tmp_path):
    a, b, c = (Store(str(tmp_path / f"{k}.db")) for k in "abc")
    out = generate(a, units=6, years=(2019, 2024), seed=11)
    generate(b, units=6, years=(2019, 2024), seed=11)
    generate(c, units=6, years=(2019, 2024), seed=12)
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)
    assert out.counties == 6 and out.townships == sum(townships_of(k) for k in range(6)) and out.plans == 6
    assert out.targets == 6 * len(out.indicators) and len(out.indicators) == 60
    assert 0.95 * 6 * 60 * 6 <= out.observations <= 6 * 60 * 6
    for st in (a, b, c):
        st.close()


def test_everything_is_marked_synthetic(store):
    out = generate(store, units=3, years=(2020, 2022), seed=1)
    with store.session() as s:
        units = s.scalars(select(m.OrgUnit)).all()
        assert len(units) == out.provinces + out.cities + out.counties + out.townships
        assert all(u.name.startswith("合成") and u.note == SYNTHETIC for u in units)
        assert {u.level for u in units} >= {"province", "city", "township"}
        plans = s.scalars(select(m.Plan)).all()
        assert all("（合成数据）" in p.title and p.created_by == SYNTHETIC for p in plans)
        observations = s.scalars(select(m.Observation)).all()
        assert observations and all(o.source == SOURCE and o.example for o in observations)
        # the baseline year's figure is the plan's baseline
        base = {(t.org_unit_id, t.indicator_id): t.baseline_value for t in s.scalars(select(m.Target))}
        for o in observations:
            if o.year == 2020 and base.get((o.org_unit_id, o.indicator_id)) is not None:
                assert o.value == pytest.approx(base[(o.org_unit_id, o.indicator_id)])
    with pytest.raises(Exception, match="合成数据"):
        generate(store, units=1, seed=1)


def test_cli_generate(tmp_path):
    import typer
    from typer.testing import CliRunner

    from healthplan.generate_cli import register

    app = typer.Typer()

    @app.command()
    def other() -> None:  # a second command so that ``generate`` is a subcommand
        pass

    register(app)
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(app, ["generate", "--units", "2", "--years", "2020-2022", "--seed", "3", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "合成数据已写入" in result.output
    bad = CliRunner().invoke(app, ["generate", "--years", "2030-2020", "--db", str(db)])
    assert bad.exit_code != 0


def test_synthetic_figures_pass_the_stores_own_checks(store):
    """Every generated figure is one that put_observation and the import accept (预期寿命 ≤ 100, per-1000
    values, percentages), so exported synthetic data imports again."""
    from sqlalchemy import select

    from healthplan.store import models as m
    from healthplan.store.observations import check_value

    generate(store, units=8, years=(2016, 2030), seed=2)
    with store.session() as s:
        indicators = {i.id: i for i in s.scalars(select(m.Indicator))}
        rows = s.execute(select(m.Observation.indicator_id, m.Observation.value)).all()
    assert len(rows) > 5000
    bad = [(indicators[i].code, v, check_value(indicators[i], v)) for i, v in rows if check_value(indicators[i], v)]
    assert bad == []
