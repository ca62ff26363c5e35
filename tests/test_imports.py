"""Import hygiene: scoring never loads training code or scikit-learn; no import cycles."""

import ast
import subprocess
import sys
from pathlib import Path

import fraudwarn

PKG = Path(fraudwarn.__file__).parent


def test_classify_imports_neither_training_nor_scikit_learn():
    code = (
        "import sys, fraudwarn; r = fraudwarn.classify('先交解冻费才能放款'); "
        "bad = sorted(m for m in sys.modules if m.startswith(('sklearn', 'fraudwarn.training', 'scipy.optimize')));"
        "print(','.join(bad))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == ""


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: Path) -> set[str]:
    """Modules imported at module level (imports inside functions are deliberate and lazy)."""
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fraudwarn"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("fraudwarn"))
    return out


def test_no_import_cycles_at_module_level():
    graph = {_module_name(p): _top_level_imports(p) for p in PKG.rglob("*.py")}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for d in graph[m]:
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack, m, d]))
            if d not in state:
                visit(d, [*stack, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_scoring_modules_never_import_training_at_all():
    """Not even lazily, inside a function: model/, text/, batch/ and predict stay training-free."""
    files = [*(p for sub in ("model", "text", "batch") for p in (PKG / sub).rglob("*.py")), PKG / "predict.py",
             PKG / "spark.py", PKG / "cli" / "spark.py", PKG / "optional.py"]
    for p in files:
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                assert not n.startswith(("fraudwarn.training", "sklearn")), f"{p}: imports {n}"


def test_help_and_the_spark_module_import_neither_pyspark_nor_pyarrow_nor_pandas():
    """Spark and Parquet are optional extras: the CLI, scoring and ``import fraudwarn.spark`` work without them."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from fraudwarn.cli import main\n"
        "import fraudwarn.spark, fraudwarn.batch.run, fraudwarn.sources\n"
        "for args in (['--help'], ['spark', '--help'], ['batch', '--help']):\n"
        "    r = CliRunner().invoke(main, args)\n"
        "    assert r.exit_code == 0, r.output\n"
        "fraudwarn.classify('先交解冻费才能放款')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'pyarrow', 'pandas', 'py4j'))))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == ""
