"""Every email kind is known to any process that sets Django up, before any URL configuration loads:
each app declares its kinds in ``emails.py`` and registers them in ``AppConfig.ready()``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailers import kinds

ROOT = Path(__file__).resolve().parents[2]

# A worker started with its checks skipped: django.setup() and nothing else.
WORKER = """
import json, sys
import django
django.setup()
from mailers import kinds
print(json.dumps(sorted(kinds._KINDS)))
print(json.dumps(sorted(m for m in sys.modules if m.endswith(".urls") or m.endswith(".views"))))
"""


@pytest.mark.backend_independent
def test_a_worker_that_never_loads_the_urls_knows_every_kind_the_site_knows():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    worker_kinds, loaded = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    # The test process has loaded the URL configuration (and every views module) by now.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import every urls and views module
    assert worker_kinds == sorted(kinds._KINDS)
    assert "hub_link" in worker_kinds and "sharing_prompt" in worker_kinds and "support_case_opened" in worker_kinds
    assert not [
        m
        for m in loaded
        if m.startswith(("campaigns", "cms", "referrals", "sharing_prompts", "testimonials", "mailers"))
    ]


def test_an_unknown_kind_is_an_error_that_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown email kind 'no_such_kind'; registered: .*hub_link"):
        kinds.get("no_such_kind")


def test_a_kind_in_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match="unknown category"):
        kinds.register(kinds.EmailKind(name="x", category="gossip", description="?"))
