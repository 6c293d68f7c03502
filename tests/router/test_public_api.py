import llmbench.router as router
from llmbench.router import classifier, profiles, store, types
from llmbench.router import router as router_module


def test_all_names_exist_and_modules_declare_all():
    for module in (router, classifier, profiles, store, types, router_module):
        assert module.__all__, module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_package_reexports_the_public_api():
    for name in ("ModelRouter", "ModelSelection", "ModelConstraints", "RoutingStrategy", "open_store"):
        assert name in router.__all__
