// The "Supportflow" group of the properties panel: what our engine reads from each element.
// The BPMN provider's own groups (general, documentation, …) stay; its timer group is replaced by a
// duration field here, because our timer expressions are Python strings ("P14D").
import htm from 'htm';
import { h } from '@bpmn-io/properties-panel/preact';
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import {
  BOARD_COLUMNS, OFFER_STEPS, OPERATIONS, RESOLUTIONS, ROLES, STATUSES, durationProblem, getCondition, getForm, getOperator,
  getParameters, getProperty, getTimerDuration, laneNameOfRole, roleOfLane, setCondition, setOperation,
  setParameters, setProperty, setTimerDuration, timerDefinition,
} from './model';

const html = htm.bind(h);

function options(values, empty) {
  return [{ value: '', label: empty }, ...values.map((value) => ({ value, label: value }))];
}

// The element's name in German (the property name:de, docs/PROCESS_CONVENTIONS.md): what German readers read.
function GermanNameEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return html`<${TextFieldEntry} id=${id} element=${element} label=${translate('Name in German')}
    description=${translate('What German readers read in the inbox, on the task and on the ticket (the property '
      + 'name:de).')} debounce=${debounce}
    getValue=${() => getProperty(element, 'name:de')}
    setValue=${(value) => setProperty(element, 'name:de', (value || '').trim(), injector)} />`;
}

function RoleEntry({ element, id }) {
  const modeling = useService('modeling');
  const translate = useService('translate');
  const current = roleOfLane(getBusinessObject(element).name);
  const choices = ROLES.includes(current) || !current ? ROLES : [current, ...ROLES];
  return html`<${SelectEntry} id=${id} element=${element} label=${translate('Role (who works this lane)')}
    getValue=${() => roleOfLane(getBusinessObject(element).name)}
    setValue=${(role) => modeling.updateLabel(element, role ? laneNameOfRole(role) : '')}
    getOptions=${() => options(choices, translate('(no role: not deployable)'))}
    validate=${(role) => (ROLES.includes(role) ? null : translate('Every lane must be one of the roles.'))} />`;
}

function PropertyEntry({ element, id, name, values, label, empty }) {
  const injector = useService('injector');
  const translate = useService('translate');
  return html`<${SelectEntry} id=${id} element=${element} label=${translate(label)}
    getValue=${() => getProperty(element, name)}
    setValue=${(value) => setProperty(element, name, value, injector)}
    getOptions=${() => options(values, translate(empty))} />`;
}

function StatusEntry(props) {
  return PropertyEntry({ ...props, name: 'status', values: STATUSES, label: 'Ticket status when entered',
    empty: '(leave as it is)' });
}

function ResolutionEntry(props) {
  return PropertyEntry({ ...props, name: 'resolution', values: RESOLUTIONS,
    label: 'Close the ticket with resolution', empty: '(does not close)' });
}

function BoardColumnEntry(props) {
  return PropertyEntry({ ...props, name: 'board_column', values: BOARD_COLUMNS,
    label: "Column on the developers' board", empty: '(not on the board)' });
}

function OfferEntry(props) {
  return PropertyEntry({ ...props, name: 'offer', values: OFFER_STEPS,
    label: "Part in a feature's offer", empty: '(none)' });
}

function FormEntry({ element, id }) {
  const eventBus = useService('eventBus');
  const translate = useService('translate');
  const text = getForm(element);
  let summary = translate('No form yet: a user task needs one.');
  if (text !== null) {
    try {
      const keys = (JSON.parse(text).components || []).filter((c) => c.key).map((c) => c.key);
      summary = keys.length ? translate('Fields: {keys}', { keys: keys.join(', ') }) : translate('The form has no fields.');
    } catch (err) {
      summary = translate('The form is not valid JSON: {message}', { message: err.message });
    }
  }
  return html`<div class="bio-properties-panel-entry sf-form-entry" data-entry-id=${id}>
    <p class="sf-form-summary">${summary}</p>
    <button type="button" class="button sf-edit-form"
      onClick=${() => eventBus.fire('supportflow.form.edit', { element })}>${translate('Edit form')}</button>
  </div>`;
}

function ConditionEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return html`<${TextAreaEntry} id=${id} element=${element} label=${translate('Condition (Python over task data)')}
    description=${translate("Leave empty on the gateway's default flow.")} debounce=${debounce} monospace=${true}
    getValue=${() => getCondition(element)} setValue=${(value) => setCondition(element, value, injector)} />`;
}

function ScriptEntry({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return html`<${TextAreaEntry} id=${id} element=${element} label=${translate('Script (restricted Python)')}
    debounce=${debounce} monospace=${true} rows=${6}
    getValue=${() => getBusinessObject(element).script || ''}
    setValue=${(script) => modeling.updateProperties(element, { script, scriptFormat: 'python' })} />`;
}

function TimerEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return html`<${TextFieldEntry} id=${id} element=${element} label=${translate('Timer duration (ISO 8601)')}
    description=${translate('P14D is 14 days, PT2H two hours.')} debounce=${debounce}
    getValue=${() => getTimerDuration(element)} validate=${durationProblem}
    setValue=${(value, problem) => { if (!problem) setTimerDuration(element, value, injector); }} />`;
}

function CalledProcessEntry({ element, id }) {
  const modeling = useService('modeling');
  const config = useService('config');
  const translate = useService('translate');
  const known = (config.supportflow && config.supportflow.processes) || [];
  const current = getBusinessObject(element).calledElement || '';
  const choices = current && !known.includes(current) ? [current, ...known] : known;
  return html`<${SelectEntry} id=${id} element=${element} label=${translate('Called process')}
    getValue=${() => getBusinessObject(element).calledElement || ''}
    setValue=${(calledElement) => modeling.updateProperties(element, { calledElement })}
    getOptions=${() => options(choices, translate('(choose a deployed process)'))}
    validate=${(value) => (known.includes(value) ? null : translate('Call a deployed process.'))} />`;
}

function OperationEntry({ element, id }) {
  const injector = useService('injector');
  const translate = useService('translate');
  return html`<${SelectEntry} id=${id} element=${element} label=${translate('Operation')}
    getValue=${() => (getOperator(element) ? getOperator(element).id : '')}
    setValue=${(value) => setOperation(element, value, injector)}
    getOptions=${() => options(OPERATIONS, translate('(none)'))} />`;
}

function ParametersEntry({ element, id }) {
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const translate = useService('translate');
  return html`<${TextAreaEntry} id=${id} element=${element}
    label=${translate('Parameters (one per line: name = expression)')}
    debounce=${debounce} monospace=${true}
    getValue=${() => getParameters(element)} setValue=${(value) => setParameters(element, value, injector)} />`;
}

function entriesFor(element) {
  const entries = [];
  const add = (id, component, isEdited) => entries.push({ id, component, isEdited });
  if (is(element, 'bpmn:Lane')) {
    add('sf-role', RoleEntry, isSelectEntryEdited);
    return entries;
  }
  if (is(element, 'bpmn:SequenceFlow')) {
    const source = element.source && element.source.businessObject;
    if (source && is(source, 'bpmn:Gateway')) add('sf-condition', ConditionEntry, isTextAreaEntryEdited);
    return entries;
  }
  if (!is(element, 'bpmn:FlowNode')) return entries;
  add('sf-name-de', GermanNameEntry, isTextFieldEntryEdited);
  add('sf-status', StatusEntry, isSelectEntryEdited);
  add('sf-resolution', ResolutionEntry, isSelectEntryEdited);
  if (is(element, 'bpmn:UserTask')) {
    add('sf-form', FormEntry, () => getForm(element) !== null);
    add('sf-board-column', BoardColumnEntry, isSelectEntryEdited);
    add('sf-offer', OfferEntry, isSelectEntryEdited);
  }
  if (is(element, 'bpmn:ScriptTask')) add('sf-script', ScriptEntry, isTextAreaEntryEdited);
  if (is(element, 'bpmn:CallActivity')) add('sf-called', CalledProcessEntry, isSelectEntryEdited);
  if (is(element, 'bpmn:ServiceTask')) {
    add('sf-operation', OperationEntry, isSelectEntryEdited);
    if (getOperator(element)) add('sf-parameters', ParametersEntry, isTextAreaEntryEdited);
  }
  if (is(element, 'bpmn:Event') && timerDefinition(element)) add('sf-timer', TimerEntry, isTextFieldEntryEdited);
  return entries;
}

class SupportflowPropertiesProvider {
  constructor(propertiesPanel, translate) {
    propertiesPanel.registerProvider(500, this);
    this.translate = translate;
  }

  getGroups(element) {
    return (groups) => {
      const kept = groups.filter((group) => group.id !== 'timer');
      const entries = entriesFor(element);
      if (entries.length) {
        kept.splice(1, 0, { id: 'supportflow', label: this.translate('Supportflow'), component: Group, entries });
      }
      return kept;
    };
  }
}
SupportflowPropertiesProvider.$inject = ['propertiesPanel', 'translate'];

export default {
  __init__: ['supportflowPropertiesProvider'],
  supportflowPropertiesProvider: ['type', SupportflowPropertiesProvider],
};
