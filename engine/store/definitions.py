"""Deployed process versions: immutable rows, numbered per process."""

from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from engine.domain import FINISHED_STATUSES
from engine.store.tables import instance_processes, instances, process_versions

_SUMMARY = (process_versions.c.id, process_versions.c.process_id, process_versions.c.version,
            process_versions.c.name, process_versions.c.sha256, process_versions.c.called_processes,
            process_versions.c.deployed_at, process_versions.c.deployed_by)


def insert_version(conn: Connection, *, process_id: str, name: str, bpmn_xml: str, sha256: str,
                   called_processes: list[str], deployed_at: datetime, deployed_by: int | None) -> dict:
    number = (conn.scalar(select(func.max(process_versions.c.version))
                          .where(process_versions.c.process_id == process_id)) or 0) + 1
    row = conn.execute(insert(process_versions).values(
        process_id=process_id, version=number, name=name, bpmn_xml=bpmn_xml, sha256=sha256,
        called_processes=called_processes, deployed_at=deployed_at, deployed_by=deployed_by,
    ).returning(*_SUMMARY)).mappings().one()
    return dict(row)


def version_with_sha(conn: Connection, process_id: str, sha256: str) -> dict | None:
    row = conn.execute(select(*_SUMMARY).where(process_versions.c.process_id == process_id,
                                               process_versions.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def version_row(conn: Connection, version_id: int) -> dict | None:
    row = conn.execute(select(process_versions).where(process_versions.c.id == version_id)).mappings().first()
    return dict(row) if row else None


def version_by_number(conn: Connection, process_id: str, number: int) -> dict | None:
    row = conn.execute(select(process_versions).where(process_versions.c.process_id == process_id,
                                                      process_versions.c.version == number)).mappings().first()
    return dict(row) if row else None


def latest_version_ids(conn: Connection) -> dict[str, int]:
    """process_id -> id of its newest version."""
    newest = (select(process_versions.c.process_id, func.max(process_versions.c.version).label("v"))
              .group_by(process_versions.c.process_id).subquery())
    query = select(process_versions.c.process_id, process_versions.c.id).join(
        newest, (newest.c.process_id == process_versions.c.process_id) & (newest.c.v == process_versions.c.version))
    return {row.process_id: row.id for row in conn.execute(query)}


def version_ids(conn: Connection) -> list[int]:
    """The ids of every deployed version of every process, oldest first."""
    return list(conn.scalars(select(process_versions.c.id).order_by(process_versions.c.id)))


def all_versions(conn: Connection) -> list[dict]:
    """Every version with `running_instances`: the unfinished instances it runs in now, as main or called."""
    running = (select(instance_processes.c.version_id, func.count().label("n"))
               .join(instances, instances.c.id == instance_processes.c.instance_id)
               .where(instances.c.status.notin_(FINISHED_STATUSES))
               .group_by(instance_processes.c.version_id).subquery())
    query = (select(*_SUMMARY, func.coalesce(running.c.n, 0).label("running_instances"))
             .outerjoin(running, running.c.version_id == process_versions.c.id)
             .order_by(process_versions.c.process_id, process_versions.c.version))
    return [dict(row) for row in conn.execute(query).mappings()]
