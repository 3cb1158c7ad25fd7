"""Data-migration tests move the test database back and forth; whatever they end on, the next test on the
same worker must find every migration applied (a test that ended on a migration that was the latest when
it was written left the later ones' columns missing for everyone after it)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets=None):
    """To ``targets``, or to the latest migration of every app; the apps as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state([node for node in targets if node[1]]).apps  # (app, None): no app


@pytest.fixture(autouse=True)
def latest_afterwards():
    yield
    migrate()
