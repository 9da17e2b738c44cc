"""capacity.core.yamlio: one safe loader for every YAML file, with bounds on what a document expands to."""

from __future__ import annotations

import pytest

from capacity.core import yamlio
from capacity.core.errors import ConfigError


def test_alias_bombs_and_deep_nesting_are_refused_while_loading():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )  # 9^9 values once expanded, from 600 bytes: refused from the node graph, before anything is built
    with pytest.raises(ConfigError, match=r"spec.yaml: invalid YAML in SLO spec: expands to more than 200,000"):
        yamlio.parse(bomb, file="spec.yaml", what="SLO spec")
    with pytest.raises(ConfigError, match="nested"):
        yamlio.parse("a: " + "[" * 5000 + "]" * 5000, file="deep.yaml")
    assert yamlio.parse("a: &x {b: 1}\nc: *x\n", file="ok.yaml") == {"a": {"b": 1}, "c": {"b": 1}}  # aliases work
