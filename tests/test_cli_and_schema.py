"""The supportflow command and the schema revisions, on a fresh SQLite file."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from engine.store.database import Database
from engine.store.search import is_search_object
from engine.store.tables import metadata
from webapp.cli import main

pytestmark = pytest.mark.processes  # evaluator processes, servers or a database of its own


def test_demo_data_deploys_and_creates_users_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["demo-data"]) == 0
    out = capsys.readouterr().out
    assert "deployed support_ticket version 1" in out and "customer, customer2, support" in out
    assert "shared canned replies: someday-maybe/de, someday-maybe/en" in out
    assert main(["demo-data"]) == 0
    assert "already there" in capsys.readouterr().out
    assert main(["deploy"]) == 0
    assert "every shipped process is deployed already" in capsys.readouterr().out
    assert main(["timers", "run-due", "--at", "2030-01-01T00:00:00+00:00"]) == 0
    assert "0 timer(s) fired" in capsys.readouterr().out


def test_run_due_refuses_a_moment_it_cannot_read(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["timers", "run-due", "--at", "yesterday"])
    assert exit_.value.code == 2 and "not an ISO-8601 moment" in capsys.readouterr().err


def test_deploy_refuses_a_bad_file_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<nope")
    assert main(["deploy", str(bad)]) == 2
    assert "not well-formed XML" in capsys.readouterr().err


def test_schema_revisions_build_exactly_the_tables(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    from engine.store import schema

    schema.upgrade(db)
    assert schema.pending_revisions(db) == []
    with db.engine.connect() as conn:
        # The search table is made per dialect by revision 0009, outside `metadata`: the comparison skips it.
        skip_search = {"include_name": lambda name, type_, _parents: not (
            type_ in ("table", "index") and is_search_object(name))}
        diff = compare_metadata(MigrationContext.configure(conn, opts=skip_search), metadata)
    assert diff == []


def test_search_reindex_rebuilds_the_index(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["search", "reindex"]) == 0
    assert "search index rebuilt: 0 ticket(s)" in capsys.readouterr().out
