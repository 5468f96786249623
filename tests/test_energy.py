"""Power figures behind the energy estimates: environment, RAPL counters, stated defaults."""

import time

from orchestra import energy


def test_environment_overrides_and_defaults(monkeypatch):
    monkeypatch.setenv("ORCHESTRA_POWER_W_CPU", "42")
    assert energy.power_source("cpu") == (42.0, "set by environment")
    monkeypatch.delenv("ORCHESTRA_POWER_W_CPU")
    monkeypatch.setenv("ORCHESTRA_RAPL_ROOT", "/nonexistent")
    assert energy.power_source("remote") == (0.0, "assumed")
    assert "estimate" in energy.power_note()


def test_rapl_package_counters_give_the_cpu_power(tmp_path, monkeypatch):
    package = tmp_path / "intel-rapl:0"
    package.mkdir()
    counter = package / "energy_uj"
    counter.write_text("1000000")
    core = tmp_path / "intel-rapl:0:0"  # a sub-zone, already inside the package figure
    core.mkdir()
    (core / "energy_uj").write_text("999999999")
    monkeypatch.setenv("ORCHESTRA_RAPL_ROOT", str(tmp_path))
    rapl = energy._Rapl()
    assert rapl.watts() is None  # one reading is no interval yet
    t0 = time.monotonic()
    time.sleep(0.6)
    counter.write_text(str(1000000 + 30_000_000))  # 30 J
    watts = rapl.watts()
    elapsed = time.monotonic() - t0
    assert 30 / (elapsed + 0.2) < watts <= 30 / 0.6
