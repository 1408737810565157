"""The tree tells the truth about the architecture: services stand alone, domains are pure,
every package declares what it imports, and the README's map matches the folders."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("applications", "cashflow", "scoring")
PACKAGES = {
    "ruralcredit_common": ROOT / "libs" / "common",
    "ruralcredit_dev": ROOT / "libs" / "dev",
    **{f"ruralcredit_{s}": ROOT / "services" / s for s in SERVICES},
}
# A domain computes; it neither serves, stores, publishes, loads models nor touches files.
NOT_IN_A_DOMAIN = {"fastapi", "starlette", "sqlalchemy", "kafka", "lightgbm", "httpx", "pathlib", "os", "shutil"}


def sources(package: str) -> list[Path]:
    return sorted((PACKAGES[package] / "src" / package).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def opens_files(path: Path) -> bool:
    tree = ast.parse(path.read_text(), str(path))
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open" for n in ast.walk(tree))


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = {f"ruralcredit_{s}" for s in SERVICES if s != service}
    offending = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in sources(f"ruralcredit_{service}")
        for module in imported_modules(path)
        if module.split(".")[0] in others
    )
    assert not offending, "a service talks to another through events and HTTP only:\n" + "\n".join(offending)


@pytest.mark.parametrize("service", SERVICES)
def test_a_domain_is_pure(service):
    domain = PACKAGES[f"ruralcredit_{service}"] / "src" / f"ruralcredit_{service}" / "domain"
    assert domain.is_dir()
    offending = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in domain.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in NOT_IN_A_DOMAIN
    ) + sorted(f"{path.relative_to(ROOT)}: open()" for path in domain.rglob("*.py") if opens_files(path))
    assert not offending, "domain/ must stay free of HTTP, SQL, Kafka, models and files:\n" + "\n".join(offending)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(project: Path) -> set[str]:
    """The distributions a pyproject names: dependencies and every extra."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    names = list(meta.get("dependencies", []))
    for extra in meta.get("optional-dependencies", {}).values():
        names += extra
    return {_normal(re.split(r"[\s\[<>=!~;]", n, maxsplit=1)[0]) for n in names}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_package_declares_what_it_imports(package):
    own = {_normal(p.replace("_", "-")) for p in PACKAGES}
    distributions = packages_distributions()
    needs: dict[str, set[str]] = {}
    for path in sources(package):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top == package or top == "__future__":
                continue
            for dist in distributions.get(top, [top]):
                needs.setdefault(_normal(dist), set()).add(str(path.relative_to(ROOT)))
    missing = {dist: sorted(files)[:3] for dist, files in needs.items()
               if dist not in declared(PACKAGES[package]) and dist not in own - {_normal(package)} | declared(PACKAGES[package])}
    assert not missing, f"{package} imports distributions its pyproject does not declare: {missing}"


def what_is_where() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## What is where", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    return [line.split()[0] for line in block.splitlines() if line and not line.startswith(" ")]


def test_the_readme_map_matches_the_tree():
    listed = what_is_where()
    missing = [p for p in listed if not (ROOT / p).exists()]
    assert not missing, f"the README lists paths that do not exist: {missing}"
    actual = [f"libs/{p.name}/" for p in (ROOT / "libs").iterdir() if p.is_dir()]
    actual += [f"services/{p.name}/" for p in (ROOT / "services").iterdir() if p.is_dir()]
    actual += [f"{p.name}/" for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in {"libs", "services", "var"}]
    normal = {p.rstrip("/") for p in listed}
    unlisted = [p for p in actual if p.rstrip("/") not in normal and not p.endswith(".egg-info/")]
    assert not unlisted, f"folders the README's map does not mention: {unlisted}"


def test_test_packages_share_code_only_through_tests_support():
    tests = ROOT / "tests"
    offending = []
    for path in sorted(tests.rglob("*.py")):
        package = path.relative_to(tests).parts[0]
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] == "tests" and len(parts) > 1 and parts[1] not in {package, "support"}:
                offending.append(f"{path.relative_to(ROOT)}: {module}")
            if parts[0] == "conftest" or (parts[0] == "tests" and parts[-1].startswith("test_")):
                offending.append(f"{path.relative_to(ROOT)}: {module}")
    assert not offending, "shared test code belongs in tests/support:\n" + "\n".join(offending)


def test_each_image_installs_its_own_service_and_no_development_tools():
    dockerfile = (ROOT / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs, "the Dockerfile installs the services with pip"
    for line in installs:
        assert "libs/dev" not in line and "ruralcredit-dev" not in line, line
        assert not re.findall(r"services/(?!\$SERVICE)\w+", line), f"an image installs another service: {line}"
    for service in SERVICES:
        meta = tomllib.loads((PACKAGES[f"ruralcredit_{service}"] / "pyproject.toml").read_text())["project"]
        others = {f"ruralcredit-{s}" for s in SERVICES if s != service}
        assert not {_normal(d.split("[")[0].split(">")[0]) for d in meta.get("dependencies", [])} & others, \
            f"{service} depends on another service"
