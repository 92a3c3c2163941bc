"""What the wheel and the sdist hold: every package, every module, the licence, the one version.

The rest of the suite runs from the editable install, which finds sub-packages however
`[tool.setuptools]` lists them; these tests read the built artifacts themselves.
"""

from __future__ import annotations

import email
import tarfile
import zipfile

import pytest
import vocu_client

from .dists import (
    ROOT,
    Dists,
    mapped_directories,
    source_modules,
    source_packages,
    wheel_version,
)

pytestmark = pytest.mark.slow


def wheel_names(dists: Dists) -> set[str]:
    with zipfile.ZipFile(dists.wheel) as wheel:
        return set(wheel.namelist())


def test_source_tree_has_sub_packages_to_check() -> None:
    # The comparison below is only worth something while there is a nested package to forget.
    assert "vocu_client.providers" in source_packages()


def test_wheel_has_every_package_under_the_mapped_directories(dists: Dists) -> None:
    inits = {name for name in wheel_names(dists) if name.endswith("/__init__.py")}
    in_wheel = {name.removesuffix("/__init__.py").replace("/", ".") for name in inits}
    assert in_wheel == source_packages()


def test_wheel_has_every_module(dists: Dists) -> None:
    modules = {name for name in wheel_names(dists) if name.endswith(".py")}
    assert modules == source_modules()


def test_sdist_has_every_module_and_the_licence(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    directories = {name: path.relative_to(ROOT) for name, path in mapped_directories().items()}
    for module in source_modules():
        top, _, rest = module.partition("/")
        assert (directories[top] / rest).as_posix() in names, module
    assert "LICENSE" in names
    assert "pyproject.toml" in names


def test_dist_info_carries_the_licence_and_its_spdx_expression(dists: Dists) -> None:
    version = wheel_version(dists.wheel)
    dist_info = f"vocu_voice-{version}.dist-info"
    with zipfile.ZipFile(dists.wheel) as wheel:
        licence = wheel.read(f"{dist_info}/licenses/LICENSE")
        metadata = email.message_from_bytes(wheel.read(f"{dist_info}/METADATA"))
    assert licence == (ROOT / "LICENSE").read_bytes()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]


def test_wheel_version_is_the_client_version(dists: Dists) -> None:
    assert wheel_version(dists.wheel) == vocu_client.__version__
