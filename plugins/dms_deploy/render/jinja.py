"""The Jinja2 environment: strict about undefined names, and JSON-only for values."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jinja2

from dms_deploy.render.errors import RenderError


def _tojson(value: Any) -> str:
    # JSON is YAML flow syntax, so any value lands as data, never as template or YAML code.
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@functools.cache
def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # YAML, not HTML: escaping is done by `tojson`
        keep_trailing_newline=True,
    )
    env.filters["tojson"] = _tojson
    return env


def render_template(templates_dir: Path, name: str, context: dict[str, Any]) -> str:
    try:
        return environment(Path(templates_dir)).get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"template {name} not found in {templates_dir}") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name} failed to render: {exc}") from exc
