"""The build's context: which day, which run, which release, and whether it was asked to become
current whatever its data interval (``--make-current``)."""

from __future__ import annotations

from datetime import date

from patentflow.orchestration.tasks import BuildContext, resolve_build_context


def test_make_current_comes_from_the_run_conf_and_survives_the_xcom_round_trip() -> None:
    asked = resolve_build_context(airflow_run_id="manual__x", data_interval_end=None,
                                  conf={"as_of": "2026-11-28", "make_current": True},
                                  triggering_as_of=[])
    default = resolve_build_context(airflow_run_id="manual__y", data_interval_end=None,
                                    conf={"as_of": "2026-11-28"}, triggering_as_of=[])

    assert asked.make_current and not default.make_current
    assert asked.as_of == date(2026, 11, 28) and asked.release_id.startswith("20261128-")
    assert BuildContext.from_dict(asked.to_dict()) == asked
    assert BuildContext.from_dict(default.to_dict()) == default
    assert BuildContext.from_dict({k: v for k, v in default.to_dict().items()
                                   if k != "make_current"}) == default  # an older XCom
