"""The composition root of the engine: one object holding the database, the clock, the runtime, the
definition registry and the live-workflow cache. The web app and the CLI each build one."""

from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn.runtime import Runtime
from engine.bpmn.sandbox import PoolSettings, Sandbox, configure_shared_pool
from engine.clock import Clock
from engine.services.cache import WorkflowCache
from engine.services.definitions import DefinitionRegistry
from engine.services.observer import Observer
from engine.settings import Settings
from engine.store.database import Database

DEFAULT_PROCESSES_DIR = Path(__file__).resolve().parents[2] / "processes"


@dataclass
class Supportflow:
    db: Database
    clock: Clock = field(default_factory=Clock)
    runtime: Runtime = field(default_factory=lambda: Runtime(Sandbox()))
    workflows: WorkflowCache = field(default_factory=WorkflowCache)
    processes_dir: Path = DEFAULT_PROCESSES_DIR
    definitions: DefinitionRegistry = field(init=False)  # set in __post_init__ (it needs the db)
    observer: Observer = field(default_factory=Observer)  # told about every step (metrics)
    settings: Settings = field(default_factory=Settings)  # what the environment said (open_supportflow)

    def __post_init__(self) -> None:
        self.definitions = DefinitionRegistry(self.db)


def open_supportflow(database_url: str | None = None, *, clock: Clock | None = None,
                     settings: Settings | None = None) -> Supportflow:
    """The engine of a server, worker or command, configured by `settings` (default: read from the environment)."""
    settings = settings or Settings.from_environment()
    configure_shared_pool(PoolSettings(size=settings.evaluators, memory_mb=settings.script_memory_mb))
    url = database_url or settings.database
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Supportflow(Database(url), clock=clock or Clock(), settings=settings)
