from __future__ import annotations

import pytest

from core.loader import ModuleError, ModuleGraph, check_environment
from core.manifest import Manifest


def graph(**deps: list[str]) -> ModuleGraph:
    return ModuleGraph({n: Manifest(name=n, version="1.0", summary=n, depends=tuple(d)) for n, d in deps.items()})


def test_order_is_by_depth_then_name() -> None:
    g = graph(sales=["contacts", "products"], contacts=[], products=[], forecasting=["sales"], warranty=["products"])
    assert g.order(g.manifests) == ["contacts", "products", "sales", "warranty", "forecasting"]


def test_closure_adds_dependencies() -> None:
    g = graph(sales=["contacts", "products"], contacts=[], products=[], other=[])
    assert g.closure(["sales"]) == {"sales", "contacts", "products"}


def test_cycle_is_printed() -> None:
    g = graph(a=["b"], b=["c"], c=["a"])
    with pytest.raises(ModuleError) as err:
        g.check()
    assert "a -> b -> c -> a" in str(err.value) or "b -> c -> a -> b" in str(err.value)


def test_missing_dependency_names_module_and_cause() -> None:
    g = graph(sales=["contacts"])
    with pytest.raises(ModuleError, match="module 'sales' depends on 'contacts', which is not available"):
        g.closure(["sales"])


def test_dependents_are_transitive() -> None:
    g = graph(contacts=[], sales=["contacts"], forecasting=["sales"], other=[])
    assert g.dependents("contacts", g.manifests) == {"sales", "forecasting"}


def test_core_version_and_extras_are_checked() -> None:
    future = Manifest(name="future", version="1", summary="x", requires_core=">=99")
    with pytest.raises(ModuleError, match="module 'future' requires core >=99, but this is core"):
        check_environment(future)
    heavy = Manifest(name="heavy", version="1", summary="x", extras=("crm-no-such-package-xyz>=1",))
    with pytest.raises(ModuleError, match="module 'heavy' needs the python package 'crm-no-such-package-xyz>=1'"):
        check_environment(heavy)
    too_old = Manifest(name="old", version="1", summary="x", extras=("pluggy>=999",))
    with pytest.raises(ModuleError, match="module 'old' needs the python package 'pluggy>=999', but pluggy"):
        check_environment(too_old)
    check_environment(Manifest(name="fine", version="1", summary="x", requires_core=">=0.1", extras=("pluggy>=1",)))
