"""The composition root of the engine: one object holding the database, the clock, the runtime, the
definition registry and the live-workflow cache. The web app and the CLI each build one."""

import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn.runtime import Runtime
from engine.bpmn.sandbox import Sandbox
from engine.clock import Clock
from engine.services.cache import WorkflowCache
from engine.services.definitions import DefinitionRegistry
from engine.services.observer import Observer
from engine.store.database import Database

DEFAULT_PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"


def default_database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{Path.cwd() / 'var' / 'supportflow.db'}"


@dataclass
class Supportflow:
    db: Database
    clock: Clock = field(default_factory=Clock)
    runtime: Runtime = field(default_factory=lambda: Runtime(Sandbox()))
    workflows: WorkflowCache = field(default_factory=WorkflowCache)
    processes_dir: Path = DEFAULT_PROCESSES_DIR
    definitions: DefinitionRegistry = field(init=False)  # set in __post_init__ (it needs the db)
    observer: Observer = field(default_factory=Observer)  # told about every step (metrics)

    def __post_init__(self) -> None:
        self.definitions = DefinitionRegistry(self.db)


def open_supportflow(database_url: str | None = None, *, clock: Clock | None = None) -> Supportflow:
    url = database_url or default_database_url()
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Supportflow(Database(url), clock=clock or Clock())
