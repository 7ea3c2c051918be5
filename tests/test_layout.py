"""The import contract (DESIGN.md, "Layout"): arrows point one way, and a render worker loads
only what it needs.

Our own test over the source (ast), not import-linter: it needs no new dependency, sees imports
inside functions too (a late import is still an arrow), and names the offending line.

The rules:
- criteria/ imports nothing of ours and no Flask.
- reports/ imports criteria/, audit.storage and the two leaf modules audit.vocabulary and
  audit.errors (words and error codes, which import nothing of ours), and no Flask at all:
  reports/i18n.py reads the compiled catalogues through babel.support, not Flask-Babel.
- audit/storage imports nothing of ours but itself.
- Nothing imports a blueprint package (audit.admin, .shopper, .review, .manager, .api) but
  create_app (audit/__init__.py) and the blueprint's own modules.
- No import cycles between modules. An edge goes to the module named, not to the packages
  above it (`import audit.storage.db` runs audit/__init__.py, but that file imports its parts
  inside create_app, so it adds no arrow at import time). For the same reason a package
  importing its own modules (a blueprint's init_app loading its views, which take `bp` from
  the package) is registration, not an arrow: Python has loaded the package before any of
  its modules anyway.
- Domain modules (visits, criteria sets, stores, users, actions, report runs, demo, errors,
  vocabulary) import no Flask, Flask-Babel, Flask-Login or WTForms, and nothing of audit.web.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = ("audit", "criteria", "reports")
FLASK = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_limiter", "wtforms")
BLUEPRINTS = ("audit.admin", "audit.shopper", "audit.review", "audit.manager", "audit.api")
REPORT_MAY_IMPORT = ("criteria", "reports", "audit.storage", "audit.vocabulary", "audit.errors")
DOMAIN = ("audit.visits", "audit.criteria_sets", "audit.stores", "audit.users", "audit.actions",
          "audit.report_runs", "audit.demo", "audit.errors", "audit.vocabulary",
          "audit.api_tokens", "audit.sessions", "audit.login_limits", "audit.outbox",
          "audit.notifications", "audit.prerender", "audit.summary_prerender")

@dataclass(frozen=True)
class Import:
    """One arrow: `module` imports `target` at `line`."""

    module: str
    target: str
    line: int

    def __str__(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def module_name(path: Path) -> str:
    """audit/web/auth.py -> audit.web.auth; audit/web/__init__.py -> audit.web."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, Path]:
    """Every module of our three packages, by dotted name."""
    return {module_name(p): p for top in OURS for p in sorted((ROOT / top).rglob("*.py"))}


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute name of a `from ... import` (relative imports counted from the file)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """Every import in the file, at any depth (late imports inside functions too)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend(Import(module, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path, node)
            for alias in node.names:
                # `from audit.web import auth` imports the module audit.web.auth
                name = f"{base}.{alias.name}"
                out.append(Import(module, name if name in known else base, node.lineno))
    return out


@pytest.fixture(scope="module")
def arrows() -> list[Import]:
    """Every import of every module of ours."""
    files = source_files()
    known = set(files)
    return [i for name, path in files.items() for i in imports_of(name, path, known)]


def within(name: str, *prefixes: str) -> bool:
    """Whether a dotted name is one of the prefixes or inside one of them."""
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def broken(arrows: list[Import], source: tuple[str, ...], allowed) -> list[str]:
    """The arrows out of `source` modules that `allowed(target)` refuses."""
    return [str(a) for a in arrows if within(a.module, *source) and not allowed(a.target)]


def test_criteria_imports_nothing_of_ours_and_no_flask(arrows):
    assert broken(arrows, ("criteria",), lambda t: within(t, "criteria") or not within(
        t, *OURS, *FLASK)) == []


def test_reports_import_only_criteria_storage_and_leaf_modules(arrows):
    assert broken(arrows, ("reports",), lambda t: within(t, *REPORT_MAY_IMPORT) or not within(
        t, *OURS, *FLASK)) == []


def test_storage_imports_nothing_of_ours_but_itself_and_no_flask(arrows):
    assert broken(arrows, ("audit.storage",), lambda t: within(t, "audit.storage") or not within(
        t, *OURS, *FLASK)) == []


def test_nothing_imports_a_blueprint_but_create_app_and_the_blueprint_itself(arrows):
    wrong = []
    for a in arrows:
        for bp in BLUEPRINTS:
            if within(a.target, bp) and a.module != "audit.factory" and not within(a.module, bp):
                wrong.append(str(a))
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules(arrows):
    known = set(source_files())
    edges: dict[str, set[str]] = {name: set() for name in known}
    for a in arrows:
        if a.target in known and a.target != a.module and not within(a.target, a.module):
            edges[a.module].add(a.target)
    assert cycles(edges) == []


def test_domain_modules_import_no_flask_and_no_web_layer(arrows):
    """Domain functions take plain values and raise audit.errors; words are the web's business."""
    assert sorted(f"{a.module} imports {a.target}" for a in arrows
                  if within(a.module, *DOMAIN) and within(a.target, *FLASK, "audit.web")) == []


def loaded_after_import(module: str) -> list[str]:
    """The modules a fresh Python process has loaded after importing `module`."""
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_a_render_worker_loads_no_blueprint_and_no_flask():
    loaded = loaded_after_import("reports.render")
    assert [m for m in loaded if within(m, *BLUEPRINTS, "audit.web", *FLASK)] == []


def test_the_language_list_is_written_once():
    """audit/vocabulary.py holds LANGUAGES; the web, the criteria editor, the reports, the CLI
    and the Makefile's catalogue loop read it from there."""
    again = []
    for name, path in source_files().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "LANGUAGES" for t in targets) \
                    and name != "audit.vocabulary":
                again.append(f"{name} (line {node.lineno})")
    assert again == []
    assert "from audit.vocabulary import LANGUAGES" in (ROOT / "Makefile").read_text()
