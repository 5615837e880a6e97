"""The package's metadata: declared dependencies, shipped data, and a Colab install that replaces nothing."""
import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from .book import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
COLAB_CONSTRAINTS = ROOT / "tests" / "colab_constraints.txt"
# Imported only on Colab (the install cell), never installed from a registry.
COLAB_ONLY_MODULES = {"google"}


def _canonical(name):
    """A distribution name as pip compares them (PEP 503): ``PyYAML`` and ``pyyaml`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line):
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    return _canonical(match.group(1)) if match else None


def _package_dependencies():
    return {_requirement_name(requirement) for requirement in PYPROJECT["project"]["dependencies"]}


def _optional_dependencies():
    """{canonical name} of every extra's requirements (``[project.optional-dependencies]``)."""
    extras = PYPROJECT["project"].get("optional-dependencies", {})
    return {_requirement_name(requirement) for requirements in extras.values() for requirement in requirements}


def _requirements_txt():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {_requirement_name(line) for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))}


def _colab_pins():
    """{canonical name: version} from tests/colab_constraints.txt."""
    pins = {}
    for line in COLAB_CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_canonical(name)] = version.strip()
    return pins


def _imported_modules(source, module_level=False):
    """Top-level names of the absolute imports in Python source (``module_level``: only those run on import)."""
    modules = set()
    tree = ast.parse(source)
    for node in (tree.body if module_level else ast.walk(tree)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def _notebook_code(path):
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            yield "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def test_runtime_ranges_live_only_in_pyproject():
    both = _package_dependencies() & _requirements_txt()
    assert not both, (f"{sorted(both)} appear in both pyproject.toml and requirements.txt: keep package "
                      f"dependencies in pyproject.toml only, and the toolchain in requirements.txt")


def test_every_import_of_the_package_and_its_notebooks_is_a_declared_dependency():
    # Students install course-lib and nothing else, so what the chapters and exercises import
    # must come with it too.
    # An extra's module (the website build's) may be imported only inside the functions that need it.
    package = [path.read_text() for path in (ROOT / "course_lib").rglob("*.py")]
    notebooks = [code for folder in ("notebooks", "exercises/source")
                 for path in sorted((ROOT / folder).glob("*.ipynb")) for code in _notebook_code(path)]
    modules = set().union(*map(_imported_modules, package + notebooks))
    third_party = sorted(modules - set(sys.stdlib_module_names) - {"course_lib"} - COLAB_ONLY_MODULES)
    distributions = importlib.metadata.packages_distributions()
    declared, extras = _package_dependencies(), _optional_dependencies()
    names = {module: {_canonical(name) for name in distributions.get(module, [])} for module in third_party}
    missing = {module: distributions.get(module) for module in third_party if not declared & names[module]}
    on_import = set().union(*(_imported_modules(code, module_level=True) for code in package),
                            *map(_imported_modules, notebooks))
    lazy = {module for module in missing if extras & names[module] and module not in on_import}
    assert not set(missing) - lazy, (f"imported but not in pyproject.toml's dependencies, nor an extra's imported "
                                     f"inside a function (module: installed distributions): "
                                     f"{ {m: d for m, d in missing.items() if m not in lazy} }")


def test_license_file_matches_pyproject():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_make_help_describes_every_phony_target():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*?)(?<!\\)$", makefile, re.M | re.S).group(1).replace("\\", " ").split()
    output = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    described = dict(re.findall(r"^  (\S+) +(\S.*)$", output, re.M))
    assert set(phony) <= set(described), f"no '## description' for {sorted(set(phony) - set(described))}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel of the package, built offline from a copy holding a weights file under course_lib/features/."""
    tmp = tmp_path_factory.mktemp("wheel")
    copy = tmp / "src"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, copy / name)
    shutil.copytree(ROOT / "course_lib", copy / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    features = copy / "course_lib" / "features"
    features.mkdir(exist_ok=True)
    (features / "weights_test.pt").write_bytes(b"not really weights")
    (features / "weights_test.pt.sha256").write_text("0" * 64 + "\n")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(tmp / "dist"), str(copy)], check=True)
    (built,) = (tmp / "dist").glob("course_lib-*.whl")
    return built


def test_weights_inside_the_package_are_installed(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("course_lib/features/weights_test.pt", "course_lib/features/weights_test.pt.sha256",
                    "course_lib/challenges/results.json", "course_lib/ethics/results.json"):
        assert shipped in names, f"{shipped} is missing from the wheel: see [tool.setuptools.package-data]"
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def _fake_install(site_packages, name, version):
    """Make pip believe ``name==version`` is installed: the minimal .dist-info it reads."""
    dist_info = site_packages / f"{re.sub(r'[-.]+', '_', name)}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist_info / "RECORD").write_text("")
    (dist_info / "INSTALLER").write_text("pip\n")


def test_colab_install_replaces_nothing(tmp_path, wheel):
    # An environment holding Colab's packages (as metadata only), then pip's dry run of the install
    # cell's plain `pip install`. The wheel carries the repository's dependency metadata, built
    # offline; only what Colab lacks (e.g. names) is looked up in the registry. The pins are not
    # passed as `-c`: pip would then backtrack to an old release of a new dependency, where the
    # install cell's pip (no constraints) upgrades the preinstalled package that dependency needs.
    pins = _colab_pins()
    venv = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    site_packages = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        capture_output=True, text=True, check=True).stdout.strip())
    for name, version in pins.items():
        _fake_install(site_packages, name, version)
    report = tmp_path / "report.json"
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--dry-run",
                          "--timeout", "15", "--retries", "1", "--report", str(report), str(wheel)],
                         capture_output=True, text=True)
    unoffered = set(map(_canonical, re.findall(r"requirement (\S+?)[<>=!~ ].*\(from versions: none\)", pip.stderr)))
    if pip.returncode and unoffered and not unoffered & set(pins):
        pytest.skip(f"the package registry offers no {sorted(unoffered)} (offline?)")
    output = "\n".join(line for line in (pip.stdout + pip.stderr).splitlines()
                       if not line.startswith("Requirement already satisfied"))
    assert pip.returncode == 0, (f"pip cannot install course-lib next to Colab's packages "
                                 f"(tests/colab_constraints.txt):\n{output[-4000:]}")
    installs = {_canonical(item["metadata"]["name"]): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]}
    assert "course-lib" in installs, installs
    replaced = {name: f"{pins[name]} -> {version}" for name, version in installs.items() if name in pins}
    assert not replaced, f"installing course-lib on Colab would replace {replaced}"
