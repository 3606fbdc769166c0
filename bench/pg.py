"""A PostgreSQL database of the benchmarks' own: created when missing, its public schema dropped and made
anew, migrated, with the shipped processes and the demo users. Never point it at a database you keep."""


import psycopg
from sqlalchemy.engine import make_url

from engine.clock import Clock
from engine.services import setup
from engine.services.context import Supportflow
from engine.store.database import Database


def fresh_supportflow(url: str, clock: Clock | None = None) -> Supportflow:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit(f"the benchmarks run on PostgreSQL, not {parsed.drivername}")
    maintenance = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
    db = Database(url)
    with db.write() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    sf = Supportflow(db, clock=clock or Clock())
    setup.upgrade_database(sf)
    setup.deploy_shipped_processes(sf)
    setup.load_demo_users(sf)
    return sf
