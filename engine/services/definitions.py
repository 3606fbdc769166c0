"""Deployed process definitions: validate and deploy new versions, and serve parsed documents and
specs from a cache (a deployed version never changes, so nothing is ever parsed twice)."""

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

from engine.bpmn.documents import Element, ProcessDocument, read_document
from engine.bpmn.runtime import Bundle
from engine.bpmn.sandbox import Sandbox
from engine.bpmn.specs import build_bundle, spiff_problems
from engine.bpmn.validation import check_document
from engine.bpmn.xml import bpmn_text, parse_bpmn
from engine.errors import InvalidDefinition, NotFound
from engine.i18n import lazy
from engine.services.wording import NO_VERSION, NOT_DEPLOYED
from engine.store import definitions as definition_store
from engine.store.database import Database

NO_PROCESS_VERSION = lazy("There is no process version {version_id}.")
CALLED_NOT_DEPLOYED = lazy("The called process {process_id!r} is not deployed.")


@dataclass(frozen=True)
class DeployedVersion:
    id: int
    process_id: str
    version: int
    document: ProcessDocument
    _forms: dict = field(default_factory=dict, compare=False, repr=False)  # element -> form JSON

    def element(self, element_id: str) -> Element | None:
        return self.document.elements.get(element_id)

    def form_json(self, element_id: str) -> dict | None:
        """The user task's form as JSON; one shared object per version (read-only)."""
        if element_id not in self._forms:
            element = self.element(element_id)
            self._forms[element_id] = element.form.as_json() if element is not None and element.form else None
        return self._forms[element_id]


class DefinitionRegistry:
    def __init__(self, db: Database, sandbox: Sandbox | None = None):
        self.db = db
        self.sandbox = sandbox or Sandbox()
        self._versions: dict[int, DeployedVersion] = {}
        self._bundles: dict[tuple, Bundle] = {}
        self._lock = threading.Lock()

    # --- reading -----------------------------------------------------------------------------------

    def deployed(self, version_id: int) -> DeployedVersion:
        found = self._versions.get(version_id)
        if found is None:
            with self.db.read() as conn:
                row = definition_store.version_row(conn, version_id)
            if row is None:
                raise NotFound(NO_PROCESS_VERSION.format(version_id=version_id))
            found = DeployedVersion(row["id"], row["process_id"], row["version"],
                                    read_document(parse_bpmn(row["bpmn_xml"])))
            self._versions[version_id] = found
        return found

    def element(self, pinned: dict[str, int], process_id: str, element_id: str) -> Element | None:
        version_id = pinned.get(process_id)
        return self.deployed(version_id).element(element_id) if version_id is not None else None

    def offer_steps(self, conn, step: str) -> frozenset[str]:
        """Ids of the user tasks marked offer=`step` in any deployed version of any process. A ticket's trail
        names the elements of whatever versions its instance ran (older ones, or before a migration)."""
        found: frozenset[str] = frozenset()
        for version_id in definition_store.version_ids(conn):
            found |= self.deployed(version_id).document.offer_steps(step)
        return found

    def bundle(self, main_process: str, pinned: dict[str, int]) -> Bundle:
        key = (main_process, tuple(sorted(pinned.items())))
        found = self._bundles.get(key)
        if found is None:
            with self._lock:
                found = self._bundles.get(key)
                if found is None:
                    documents = {pid: self.deployed(vid).document for pid, vid in pinned.items()}
                    found = build_bundle(documents[main_process], documents, key)
                    self._bundles[key] = found
        return found

    def pin(self, conn, process_id: str) -> dict[str, int]:
        """The newest version of `process_id` and of everything it calls, transitively."""
        latest = definition_store.latest_version_ids(conn)
        if process_id not in latest:
            raise NotFound(NOT_DEPLOYED.format(process_id=process_id))
        pinned, todo = {}, [process_id]
        while todo:
            current = todo.pop()
            if current in pinned:
                continue
            if current not in latest:
                raise InvalidDefinition([{"element": None,
                                          "message": CALLED_NOT_DEPLOYED.format(process_id=current)}])
            pinned[current] = latest[current]
            todo.extend(self.deployed(latest[current]).document.called_processes)
        return pinned

    def versions(self) -> list[dict]:
        with self.db.read() as conn:
            return definition_store.all_versions(conn)

    def bpmn(self, process_id: str, number: int) -> str:
        with self.db.read() as conn:
            row = definition_store.version_by_number(conn, process_id, number)
        if row is None:
            raise NotFound(NO_VERSION.format(number=number, process_id=process_id))
        return row["bpmn_xml"]

    # --- deploying ---------------------------------------------------------------------------------

    def validate(self, xml: bytes | str, extra: dict[str, ProcessDocument] | None = None) -> ProcessDocument:
        """Parse and check a BPMN file against what is deployed (and `extra` documents deployed with it)."""
        document = read_document(parse_bpmn(xml))
        with self.db.read() as conn:
            latest = definition_store.latest_version_ids(conn)
        others = {pid: self.deployed(vid).document for pid, vid in latest.items()}
        others.update(extra or {})
        problems = check_document(document, set(others), self.sandbox)
        if not problems:
            called = self._called_documents(document, others)
            problems = spiff_problems(document, called)
        if problems:
            raise InvalidDefinition(problems)
        return document

    def _called_documents(self, document: ProcessDocument, others: dict) -> dict[str, ProcessDocument]:
        found, todo = {}, list(document.called_processes)
        while todo:
            pid = todo.pop()
            if pid in found or pid == document.process_id or pid not in others:
                continue
            found[pid] = others[pid]
            todo.extend(others[pid].called_processes)
        return found

    def deploy(self, xml: bytes | str, *, deployed_by: int | None, now, only_if_new: bool = False
               ) -> tuple[dict, bool]:
        """Validate and store a new version; (version row, created). An upload identical to the newest
        version (or, with only_if_new, to any version) returns that version instead."""
        text = bpmn_text(xml)  # decoded as its BOM or XML declaration says; stored and re-read as UTF-8
        document = self.validate(text)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with self.db.write() as conn:
            existing = definition_store.version_with_sha(conn, document.process_id, sha)
            latest = definition_store.latest_version_ids(conn).get(document.process_id)
            if existing and (only_if_new or existing["id"] == latest):
                return existing, False
            row = definition_store.insert_version(conn, process_id=document.process_id, name=document.name,
                                       bpmn_xml=text, sha256=sha, called_processes=document.called_processes,
                                       deployed_at=now, deployed_by=deployed_by)
        return row, True

    def deploy_directory(self, directory: Path, *, now, deployed_by: int | None = None) -> list[dict]:
        """Deploy every *.bpmn file whose exact content was never deployed, called processes first."""
        texts = {path: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.bpmn"))}
        documents = {path: read_document(parse_bpmn(text)) for path, text in texts.items()}
        deployed = []
        for path in _called_first(documents):
            row, created = self.deploy(texts[path], deployed_by=deployed_by, now=now, only_if_new=True)
            if created:
                deployed.append(row)
        return deployed


def _called_first(documents: dict[Path, ProcessDocument]) -> list[Path]:
    by_id = {doc.process_id: path for path, doc in documents.items()}
    ordered, seen = [], set()

    def visit(path, trail=()):
        if path in seen or path in trail:
            return
        for called in documents[path].called_processes:
            if called in by_id:
                visit(by_id[called], (*trail, path))
        seen.add(path)
        ordered.append(path)

    for path in documents:
        visit(path)
    return ordered
