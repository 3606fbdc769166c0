// Reading and writing what supportflow's engine reads from a diagram (docs/PROCESS_CONVENTIONS.md):
// lane names as roles, status/resolution/board_column/offer properties, sf:form, conditions, scripts, timers, call targets.
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export const ROLES = ['customer', 'support_master', 'developer', 'product_owner'];
export const STATUSES = ['new', 'captured', 'in_progress', 'waiting_for_customer', 'review', 'reopened'];
export const RESOLUTIONS = ['answered', 'fixed', 'delivered', 'declined', 'wont_fix', 'duplicate', 'abandoned'];
export const OPERATIONS = ['notify_customer', 'add_label', 'link_ticket', 'create_invoice'];
// A user task's board column and offer step (engine/domain.py BOARD_COLUMNS and OFFER_STEPS).
export const BOARD_COLUMNS = ['analyse', 'fix', 'estimate', 'implement', 'deploy'];
export const OFFER_STEPS = ['estimate', 'approval', 'decision'];

export function roleOfLane(name) {
  return (name || '').trim().toLowerCase().replace(/\s+/g, '_');
}

export function laneNameOfRole(role) {
  return role.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ');
}

export function extensionValues(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').filter((value) => is(value, type)) : [];
}

function ensureExtensionElements(element, bo, injector) {
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = injector.get('bpmnFactory').create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    injector.get('modeling').updateModdleProperties(element, bo, { extensionElements: ext });
  }
  return ext;
}

function addExtension(element, bo, value, injector) {
  const ext = ensureExtensionElements(element, bo, injector);
  value.$parent = ext;
  injector.get('modeling').updateModdleProperties(element, ext, { values: [...ext.get('values'), value] });
}

function removeExtension(element, bo, value, injector) {
  const ext = bo.get('extensionElements');
  const values = ext.get('values').filter((v) => v !== value);
  injector.get('modeling').updateModdleProperties(element, ext, { values });
}

export function getProperty(element, name) {
  const bo = getBusinessObject(element);
  for (const holder of extensionValues(bo, 'spiffworkflow:Properties')) {
    const found = (holder.get('properties') || []).find((p) => p.name === name);
    if (found) return found.value || '';
  }
  return '';
}

export function setProperty(element, name, value, injector) {
  const bo = getBusinessObject(element);
  const modeling = injector.get('modeling');
  const factory = injector.get('bpmnFactory');
  let holder = extensionValues(bo, 'spiffworkflow:Properties')[0];
  if (!holder) {
    if (!value) return;
    holder = factory.create('spiffworkflow:Properties', { properties: [] });
    addExtension(element, bo, holder, injector);
  }
  const properties = holder.get('properties') || [];
  const existing = properties.find((p) => p.name === name);
  if (existing && value) {
    modeling.updateModdleProperties(element, existing, { value });
  } else if (existing) {
    const rest = properties.filter((p) => p !== existing);
    if (rest.length) {
      modeling.updateModdleProperties(element, holder, { properties: rest });
    } else {
      removeExtension(element, bo, holder, injector);
    }
  } else if (value) {
    const property = factory.create('spiffworkflow:Property', { name, value });
    property.$parent = holder;
    modeling.updateModdleProperties(element, holder, { properties: [...properties, property] });
  }
}

export function getForm(element) {
  const form = extensionValues(getBusinessObject(element), 'sf:Form')[0];
  return form ? form.body || '' : null;
}

export function setForm(element, json, injector) {
  const bo = getBusinessObject(element);
  const form = extensionValues(bo, 'sf:Form')[0];
  if (form) {
    injector.get('modeling').updateModdleProperties(element, form, { body: json });
  } else {
    addExtension(element, bo, injector.get('bpmnFactory').create('sf:Form', { body: json }), injector);
  }
}

export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get('eventDefinitions') || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

// Timer expressions are Python strings in the diagram ("P14D"); the panel shows the duration itself.
export function getTimerDuration(element) {
  const definition = timerDefinition(element);
  const body = definition && definition.timeDuration ? (definition.timeDuration.body || '') : '';
  const quoted = body.trim().match(/^(['"])(.*)\1$/);
  return quoted ? quoted[2] : body.trim();
}

export function setTimerDuration(element, duration, injector) {
  const definition = timerDefinition(element);
  const modeling = injector.get('modeling');
  const body = duration ? `"${duration.trim()}"` : '';
  if (definition.timeDuration) {
    modeling.updateModdleProperties(element, definition.timeDuration, { body });
  } else {
    const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body });
    expression.$parent = definition;
    modeling.updateModdleProperties(element, definition, {
      timeDuration: expression, timeDate: undefined, timeCycle: undefined,
    });
  }
}

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

export function durationProblem(value) {
  if (!value) return 'A timer needs a duration, such as P14D or PT2H.';
  return ISO_DURATION.test(value.trim()) ? null : `${value} is not an ISO 8601 duration, such as P14D or PT2H.`;
}

export function getCondition(element) {
  const condition = getBusinessObject(element).get('conditionExpression');
  return condition ? condition.body || '' : '';
}

export function setCondition(element, text, injector) {
  const modeling = injector.get('modeling');
  if (!text) {
    modeling.updateProperties(element, { conditionExpression: undefined });
    return;
  }
  const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: text });
  modeling.updateProperties(element, { conditionExpression: expression });
}

export function getOperator(element) {
  return extensionValues(getBusinessObject(element), 'spiffworkflow:ServiceTaskOperator')[0];
}

export function setOperation(element, operation, injector) {
  const bo = getBusinessObject(element);
  const operator = getOperator(element);
  if (operator && operation) {
    injector.get('modeling').updateModdleProperties(element, operator, { id: operation });
  } else if (operator) {
    removeExtension(element, bo, operator, injector);
  } else if (operation) {
    const created = injector.get('bpmnFactory').create('spiffworkflow:ServiceTaskOperator', {
      id: operation, resultVariable: `${bo.id}_result`,
    });
    addExtension(element, bo, created, injector);
  }
}

// Parameters are edited as lines `name = expression`.
export function getParameters(element) {
  const operator = getOperator(element);
  const list = operator && operator.get('parameterList');
  return list ? (list.get('parameters') || []).map((p) => `${p.id} = ${p.value || ''}`).join('\n') : '';
}

export function setParameters(element, text, injector) {
  const operator = getOperator(element);
  if (!operator) return;
  const factory = injector.get('bpmnFactory');
  const list = factory.create('spiffworkflow:Parameters', { parameters: [] });
  list.$parent = operator;
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at < 1) continue;
    const parameter = factory.create('spiffworkflow:Parameter', {
      id: line.slice(0, at).trim(), type: 'str', value: line.slice(at + 1).trim(),
    });
    parameter.$parent = list;
    list.get('parameters').push(parameter);
  }
  injector.get('modeling').updateModdleProperties(element, operator, {
    parameterList: list.get('parameters').length ? list : undefined,
  });
}
