"""The wheel, installed as a user installs it: one package in site-packages, and a user's own
`routers/`, `specialists/` and `benchmarks/` packages beside their script break nothing.

The fresh virtual environment gets the project's dependencies from this environment's
site-packages through a folder of links that leaves out orchestra itself (the editable
install and the plug-ins), so only the wheel can provide `orchestra`."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUDOKU = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (found,) = out.glob("orchestra_trm-*.whl")
    return found


def test_the_wheel_holds_one_package(wheel):
    with zipfile.ZipFile(wheel) as z:
        tops = {name.split("/")[0] for name in z.namelist()}
        names = set(z.namelist())
    assert {t for t in tops if not t.endswith(".dist-info")} == {"orchestra"}
    # The folders that live at the repository's top arrive inside the namespace, data too.
    assert "orchestra/specialists/trm_provider.py" in names
    assert "orchestra/routers/registry.py" in names
    assert "orchestra/benchmarks/bench/run.py" in names
    assert "orchestra/py.typed" in names
    assert any(n.startswith("orchestra/specialists/checkpoints/sudoku-9x9/") for n in names)


def _fresh_venv(base: Path, wheel: Path, leave_out: frozenset[str] = frozenset()) -> Path:
    """A venv holding the wheel, with this environment's packages but those in `leave_out`
    (distribution names, normalised) and the modules they provide."""
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )
    deps = base / "deps"
    deps.mkdir()
    ours = ("orchestra", "__editable__")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.split("-")[0].removesuffix(".py").lower().replace("_", "-")
        if entry.name.startswith(ours) or entry.name.endswith(".pth") or name in leave_out:
            continue
        (deps / entry.name).symlink_to(entry)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    (site / "zz_test_deps.pth").write_text(str(deps) + "\n")
    return python


def test_a_users_own_packages_break_nothing(tmp_path, wheel):
    python = _fresh_venv(tmp_path, wheel)
    site = python.parents[1] / "lib"
    installed = {
        p.name for p in next(site.glob("python*/site-packages")).iterdir()
        if p.name not in ("zz_test_deps.pth", "__pycache__")
    }
    assert {n for n in installed if not n.endswith(".dist-info")} == {"orchestra"}

    app = tmp_path / "app"
    for pkg in ("routers", "specialists", "benchmarks"):
        (app / pkg).mkdir(parents=True)
        (app / pkg / "__init__.py").write_text(f"OWNER = 'the user'  # {pkg}\n")
    (app / "routers" / "items.py").write_text("ROUTES = ['/items']\n")
    (app / "main.py").write_text(textwrap.dedent(f"""
        import orchestra
        import routers.items
        import specialists, benchmarks
        assert routers.OWNER == specialists.OWNER == benchmarks.OWNER == "the user"
        assert routers.items.ROUTES == ["/items"]
        sol = orchestra.solve({SUDOKU!r})
        assert sol.ok and sol.verified, sol.error
        assert "/site-packages/orchestra/" in orchestra.__file__, orchestra.__file__
        print("ok")
    """))
    r = subprocess.run(
        [str(python), "main.py"], cwd=app, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("ok")


# What the core install must do without: every optional dependency's distribution.
OPTIONAL = frozenset({
    "litellm", "transformers", "accelerate", "gguf", "mcp", "fastapi", "uvicorn", "starlette",
    "matplotlib", "ray", "tokenizers",
})


def test_the_wheel_declares_a_small_core_and_extras(wheel):
    with zipfile.ZipFile(wheel) as z:
        meta = next(
            z.read(n).decode() for n in z.namelist() if n.endswith(".dist-info/METADATA")
        )
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines()
                if line.startswith("Requires-Dist:")]
    core = {r.split(">")[0].split("<")[0].split("[")[0].split("=")[0].strip()
            for r in requires if "extra ==" not in r}
    assert not core & OPTIONAL, core & OPTIONAL
    extras = {line.split(":", 1)[1].strip() for line in meta.splitlines()
              if line.startswith("Provides-Extra:")}
    assert {"llm", "serve", "mcp", "ray", "bench", "train", "all"} <= extras

    def brings(extra: str) -> set[str]:
        return {r.split(";")[0].split(">")[0].split("[")[0].split("<")[0].strip()
                for r in requires if f'extra == "{extra}"' in r}

    assert {"litellm", "transformers"} <= brings("llm")
    assert {"fastapi", "uvicorn"} <= brings("serve")
    assert "mcp" in brings("mcp") and "ray" in brings("ray") and "accelerate" in brings("train")
    assert {"matplotlib", "orchestra-trm"} <= brings("bench")  # with llm and serve
    assert brings("all") == {"orchestra-trm"}  # every other extra, by name


def test_the_core_install_solves_without_the_extras(tmp_path, wheel):
    python = _fresh_venv(tmp_path, wheel, leave_out=OPTIONAL)
    script = tmp_path / "core.py"
    script.write_text(textwrap.dedent(f"""
        import importlib.util, sys
        for name in ("litellm", "transformers", "mcp", "fastapi"):
            assert importlib.util.find_spec(name) is None, name
        import orchestra
        sol = orchestra.solve({SUDOKU!r})
        assert sol.ok and sol.verified, sol.error
        maze = orchestra.solve("#######\\n#S...G#\\n#######")
        assert maze.verified, maze.error
        assert not {{"litellm", "transformers", "mcp"}} & set(sys.modules)
        # Prose needs an LLM: the answer says which extra brings one.
        prose = orchestra.solve("Write a haiku about the sea.")
        assert not prose.ok and "orchestra-trm[llm]" in (prose.error or ""), prose.error
        print("ok")
    """))
    r = subprocess.run([str(python), str(script)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("ok")
    # The commands that need an extra say which one, without a traceback.
    for argv, extra in ((["serve"], "serve"), (["mcp"], "mcp")):
        r = subprocess.run([str(python), "-m", "orchestra.cli", *argv],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, (argv, r.stderr[-2000:])
        assert f"orchestra-trm[{extra}]" in r.stderr and "Traceback" not in r.stderr, r.stderr
