"""LICENSE is the verbatim Apache-2.0 text: GitHub's licence detection (HACS reads it) needs it."""

from __future__ import annotations

import hashlib
import tomllib

from .dists import ROOT

# sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt (also Debian's
# /usr/share/common-licenses/Apache-2.0 and the copy in many wheels' dist-info).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_licence_is_the_canonical_apache_2_0_text() -> None:
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_0_SHA256


def test_pyproject_names_the_same_licence() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]


def test_readme_names_the_licence() -> None:
    assert "[Apache License 2.0](LICENSE)" in (ROOT / "README.md").read_text()
