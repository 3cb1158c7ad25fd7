"""Tests that share a worker on purpose (``xdist_group``) get one: tests/conftest.py puts the group in
the id pytest 9 reads, where pytest-xdist 3.8 wrote it to one pytest no longer reads."""

import pytest


@pytest.mark.xdist_group("runengine")
def test_a_grouped_test_carries_its_group_to_the_scheduler(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("run without --dist loadgroup (make test uses it): nothing is scheduled by group")
    assert request.node.nodeid.endswith("@runengine"), request.node.nodeid
