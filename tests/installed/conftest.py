"""One build of the wheel and sdist per session, shared by every installed-project test."""

from __future__ import annotations

import pytest

from .dists import Dists, build_dists


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    return build_dists(tmp_path_factory.mktemp("dist"))
