"""Jinja2 environments: sandboxed, strict, templates loaded from the package only.

StrictUndefined makes a missing field fail loudly instead of printing a blank; the
sandbox keeps a user-supplied template directory (``--template-dir``) from reaching
Python internals.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def environment(template_dir: str | None = None, *, html: bool = False) -> Any:
    from jinja2 import FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
    from jinja2.sandbox import SandboxedEnvironment

    loader = FileSystemLoader(template_dir) if template_dir else PackageLoader("fraudwarn.notices", "templates")
    return SandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "htm", "html.j2"]) if html else False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_package_template(
    name: str, context: dict[str, Any], *, template_dir: str | Path | None = None
) -> str:
    env = environment(str(template_dir) if template_dir else None, html=name.endswith(".html.j2"))
    return env.get_template(name).render(**context)
