"""What changed between two versions of a process: elements added, removed and changed (name, kind,
lane, status, resolution, form, called process, script, timer), and sequence flows (ends, conditions)."""

from lxml import etree

from engine.bpmn.documents import Element, ProcessDocument
from engine.bpmn.xml import BPMN_NS, NSMAP

_ELEMENT_FIELDS = ("name", "kind", "lane", "status", "resolution", "called_process")


def diff_documents(old: ProcessDocument, new: ProcessDocument) -> dict:
    old_facts, new_facts = _facts(old), _facts(new)
    return {
        "added": sorted(set(new_facts) - set(old_facts)),
        "removed": sorted(set(old_facts) - set(new_facts)),
        "changed": [
            {"element": element_id, "changes": _changes(old_facts[element_id], new_facts[element_id])}
            for element_id in sorted(set(old_facts) & set(new_facts))
            if old_facts[element_id] != new_facts[element_id]
        ],
    }


def _changes(old: dict, new: dict) -> dict:
    return {key: {"from": old.get(key), "to": new.get(key)} for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)}


def _facts(doc: ProcessDocument) -> dict[str, dict]:
    """Everything a process owner would call a change, per element and per sequence flow."""
    facts = {element_id: _element_facts(doc.root, element) for element_id, element in doc.elements.items()}
    for flow in doc.root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        facts[flow.get("id", "")] = {"kind": "sequenceFlow", "source": flow.get("sourceRef"),
                                 "target": flow.get("targetRef"), "name": flow.get("name"),
                                 "condition": (condition.text or "").strip() if condition is not None else None}
    return facts


def _element_facts(root: etree._Element, element: Element) -> dict:
    facts = {field: getattr(element, field) for field in _ELEMENT_FIELDS}
    facts["form"] = element.form.as_json() if element.form is not None else None
    node = root.xpath("//*[@id=$id]", id=element.id)
    if node:
        script = node[0].find(f"{{{BPMN_NS}}}script")
        facts["script"] = script.text if script is not None else None
        timer = node[0].xpath("./bpmn:timerEventDefinition/*", namespaces=NSMAP)
        facts["timer"] = (timer[0].text or "").strip() if timer else None
        facts["cancel_activity"] = node[0].get("cancelActivity")
    return facts
