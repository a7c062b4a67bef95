"""The two-command setup: pins agree, CI calls make test, core modules stay free of plotting."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def pins_from_requirements():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def pins_from_environment_yml():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        m = re.match(r"^\s*-\s*([A-Za-z0-9_.-]+)\s*(==|=)\s*([0-9][^\s#]*)", line)
        if m and m.group(1) != "python":
            pins[m.group(1).lower()] = m.group(3)
    return pins


def test_requirements_are_all_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        assert not line or re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", line), line


def test_environment_yml_names_the_same_packages_and_pins_as_requirements():
    assert pins_from_environment_yml() == pins_from_requirements()


def test_ci_runs_make_test_and_nothing_else_of_its_own():
    run = (ROOT / ".ci" / "run").read_text()
    commands = [l for l in run.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    assert "make test" in commands[-1]


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_make_test_runs_notebooks_under_nbval_comparing_outputs():
    makefile = (ROOT / "Makefile").read_text()
    assert "--nbval " in makefile and "--nbval-lax" not in makefile
    assert re.search(r"^test:.*\n\t.*pytest.* tests notebooks solutions", makefile, re.M)


def test_core_modules_never_import_matplotlib_or_ipywidgets():
    code = ("import sys, vtpu_lib, vtpu_lib.cli, vtpu_lib.programs, vtpu_lib.course.micro, vtpu_lib.bounds;"
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_notebooks_are_committed_executed():
    import json
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
        assert cells and all(c.get("execution_count") for c in cells), f"{nb.name} has unexecuted cells"
        first = cells[0]["source"]
        assert "import" in "".join(first) and "seed" in "".join(first), f"{nb.name}: first cell imports + seeds"
