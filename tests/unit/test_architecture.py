"""The layer rule of DESIGN.md, enforced by the import-linter contracts in pyproject.toml."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports is not None, "import-linter is part of the dev install"
    result = subprocess.run([lint_imports], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_domain_imports_only_standard_library_and_pydantic() -> None:
    allowed = set(sys.stdlib_module_names) | {"pydantic", "chartdraft", "__future__"}
    offenders = []
    for module in (REPO / "src" / "chartdraft" / "domain").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{module.name}: {n}" for n in names if n.split(".")[0] not in allowed]
            offenders += [
                f"{module.name}: {n}"
                for n in names
                if n.startswith("chartdraft.") and not n.startswith("chartdraft.domain")
            ]
    assert offenders == []
