"""The architecture contracts of .importlinter (ARCHITECTURE.md "Layers, checked"):
models at the bottom, access and privacy above them, services below the routes, nothing
but the factory importing a blueprint's routes, jobs never importing routes, and no
import cycles. A change that breaks one fails here with import-linter's report."""
import subprocess
import sys
from pathlib import Path

from tests.contracts import import_cycles

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "0 broken" in result.stdout


class _Graph:
    """Just enough of grimp's graph for import_cycles."""

    def __init__(self, edges):
        self.edges = edges

    def find_modules_directly_imported_by(self, module):
        return set(self.edges.get(module, ()))


def test_the_cycle_check_finds_a_circle_through_three_modules():
    graph = _Graph({"a.x": ["a.y"], "a.y": ["b.z"], "b.z": ["a.x"], "b.w": ["a.x"], "c": []})
    assert import_cycles(graph, {"a.x", "a.y", "b.z", "b.w", "c"}) == [["a.x", "a.y", "b.z"]]
    assert import_cycles(_Graph({"a": ["b"], "b": ["c"]}), {"a", "b", "c"}) == []
