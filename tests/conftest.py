"""Shared test configuration: hypothesis profiles and the shared-data location."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# numba compiles on first call, so no deadline; CI is derandomized for reproducible runs.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=30,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

#: Reference data shipped with the tests (licenses and sources: tests/data/README.md).
TEST_DATA = Path(__file__).resolve().parent / "data"
#: Where the Cassandra ``.POMDP`` files (CC BY-NC 4.0, not shipped) are looked for: ``$MDPLAB_SHARED_DATA/pomdp``,
#: by default ``../shared/data/pomdp`` beside the repository. Tests that need one of them skip where it is absent.
SHARED_DATA = Path(os.environ.get("MDPLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def pomdp_file():
    """``pomdp_file(name)``: the path of a POMDP model file: shipped ones from ``tests/data``, the Cassandra
    ``.POMDP`` files from ``$MDPLAB_SHARED_DATA/pomdp``; skips, naming the file, where it is absent."""
    def path(name: str) -> Path:
        if (TEST_DATA / name).is_file():
            return TEST_DATA / name
        p = SHARED_DATA / "pomdp" / name
        if not p.is_file():
            pytest.skip(f"{name}: Cassandra POMDP file (CC BY-NC 4.0), not shipped with mdplab; absent at {p} "
                        "(set MDPLAB_SHARED_DATA to a directory holding pomdp/{name})".replace("{name}", name))
        return p
    return path


@pytest.fixture
def shared_data() -> Path:
    """The directory of the Cassandra files (``pomdp/``); skips where it is absent."""
    if not (SHARED_DATA / "pomdp").is_dir():
        pytest.skip(f"Cassandra POMDP files (CC BY-NC 4.0) are not shipped with mdplab: {SHARED_DATA / 'pomdp'} "
                    "is absent (set MDPLAB_SHARED_DATA)")
    return SHARED_DATA
