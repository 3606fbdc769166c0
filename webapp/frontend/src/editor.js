// The process editor: bpmn-js modeler, properties panel with supportflow's own entries, form-js editor for
// the form of a user task, bpmnlint in the browser, the server's validation shown on the elements, deploy.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import { FormEditor, Form } from '@bpmn-io/form-js';

import spiffworkflowModdle from './moddle/spiffworkflow.json';
import supportflowModdle from './moddle/supportflow.json';
import supportflowProperties from './properties/provider';
import { getForm, setForm } from './properties/model';
import lintConfig from './lint';
import { api, ApiError } from './api';
import { pageLanguage, translateModule } from './i18n/translate';
import { speakGerman } from './i18n/formEditorGerman';
import { FormTexts } from './formTexts';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import './editor.css';

const EMPTY_FORM = { type: 'default', components: [] };

// The page's sentences come from its template, in the reader's language ({name} marks a value); English here
// only when a page gives none.
const WORDS = (() => {
  const node = document.querySelector('[data-editor-words]');
  return node ? JSON.parse(node.textContent) : {};
})();
function say(key, english, values = {}) {
  return (WORDS[key] || english).replace(/\{(\w+)\}/g, (mark, name) => (name in values ? String(values[name]) : mark));
}

class ProcessEditor {
  constructor(root) {
    this.root = root;
    this.processId = root.dataset.processId;
    this.version = root.dataset.version;
    this.problems = [];      // from the server: [{element, message}]
    this.warnings = [];      // from the server too: they do not block a deploy
    this.lintIssues = {};    // from bpmnlint: {elementId: [{message, category, rule}]}
    this.dirty = false;      // changed since it was opened or deployed
    this.overlayIds = [];
    this.formElement = null;
    this.modeler = new BpmnModeler({
      container: root.querySelector('[data-canvas]'),
      propertiesPanel: {
        parent: root.querySelector('[data-properties]'),
        layout: { groups: { general: { open: true }, supportflow: { open: true } } },
      },
      additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, supportflowProperties,
        lintModule, translateModule],
      moddleExtensions: { spiffworkflow: spiffworkflowModdle, sf: supportflowModdle },
      linting: { bpmnlint: lintConfig, active: true },
      supportflow: { processes: JSON.parse(root.dataset.processes || '[]') },
    });
    this.status = root.querySelector('[data-status]');
    this.problemList = root.querySelector('[data-problems]');
    this.deployButton = root.querySelector('[data-action=deploy]');
    this.bind();
  }

  bind() {
    const eventBus = this.modeler.get('eventBus');
    eventBus.on('linting.completed', ({ issues }) => { this.lintIssues = issues || {}; this.render(); });
    eventBus.on('commandStack.changed', () => {
      this.dirty = true;
      this.clearServerProblems();
      this.render();
    });
    eventBus.on('supportflow.form.edit', ({ element }) => this.openForm(element));
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty) event.preventDefault();  // the browser asks before changes that were not deployed are lost
    });
    this.root.querySelector('[data-action=validate]').addEventListener('click', () => this.validate());
    this.deployButton.addEventListener('click', () => this.deploy());
    this.root.querySelector('[data-action=download]').addEventListener('click', () => this.download());
    this.problemList.addEventListener('click', (event) => {
      const item = event.target.closest('[data-element]');
      if (item) this.focus(item.dataset.element);
    });
    const forms = this.root.querySelector('[data-form-panel]');
    forms.querySelector('[data-action=form-apply]').addEventListener('click', () => this.applyForm());
    forms.querySelector('[data-action=form-close]').addEventListener('click', () => this.closeForm());
    forms.querySelector('[data-action=form-preview]').addEventListener('click', () => this.previewForm());
  }

  async load() {
    const xml = await api(`/api/v1/processes/${this.processId}/versions/${this.version}/bpmn`, { raw: true });
    const { warnings } = await this.modeler.importXML(xml);
    this.modeler.get('canvas').zoom('fit-viewport');
    this.say(warnings.length ? say('openedWithWarnings', 'Opened with {count} import warning(s).',
      { count: warnings.length }) : say('opened', 'Opened.'), 'info');
    this.render();
  }

  async xml() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  lintErrors() {
    return Object.entries(this.lintIssues).flatMap(([element, issues]) => issues
      .filter((issue) => issue.category === 'error')
      .map((issue) => ({ element, message: `${issue.message} (bpmnlint: ${issue.rule})` })));
  }

  async validate() {
    this.say(say('validating', 'Validating…'), 'info');
    const body = await api('/api/v1/processes/validate', { method: 'POST', body: await this.xml(),
      contentType: 'application/xml' });
    this.clearServerProblems();
    this.problems = body.problems;
    this.warnings = body.warnings || [];
    this.markServerProblems();
    const lint = this.lintErrors();
    if (!this.problems.length && !lint.length && this.warnings.length) {
      this.say(say('validWithWarnings', 'Valid and ready to deploy, with {count} warning(s) listed: they would fail '
        + 'when the process runs there.', { count: this.warnings.length }), 'warning');
    } else if (!this.problems.length && !lint.length) {
      this.say(say('valid', 'Valid: SpiffWorkflow parses it and every supportflow check passes. Ready to deploy.'),
        'ok');
    } else {
      const count = this.problems.length + lint.length;
      this.say(say('problems', '{count} problem(s) must be fixed before this can be deployed; each is marked on its '
        + 'element.', { count }), 'error');
    }
    this.render();
    return !this.problems.length && !lint.length;
  }

  async deploy() {
    if (!(await this.validate())) return;
    let body;
    try {
      body = await api('/api/v1/processes', { method: 'POST', body: await this.xml(),
        contentType: 'application/xml' });
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.body.errors)) {
        this.clearServerProblems();
        this.problems = err.body.errors;
        this.markServerProblems();
        this.render();
      }
      throw err;
    }
    this.version = String(body.version);
    this.root.dataset.version = this.version;
    this.dirty = false;
    this.warnings = body.warnings || [];
    this.render();
    window.history.replaceState(null, '', `/processes/${this.processId}/versions/${body.version}/edit`);
    this.say(body.created
      ? say('deployed', 'Deployed as version {version}. New tickets start on it; running ones stay on theirs.',
        { version: body.version })
      : say('unchanged', 'Nothing changed: this is version {version} already.', { version: body.version }), 'ok');
    const label = this.root.querySelector('[data-version-label]');
    if (label) label.textContent = say('version', 'version {version}', { version: body.version });
  }

  async download() {
    const blob = new Blob([await this.xml()], { type: 'application/xml' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `${this.processId}-edited.bpmn`;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  clearServerProblems() {
    const overlays = this.modeler.get('overlays');
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    this.overlayIds.forEach((id) => overlays.remove(id));
    this.overlayIds = [];
    this.problems.forEach((problem) => {
      if (problem.element && registry.get(problem.element)) canvas.removeMarker(problem.element, 'sf-invalid');
    });
    this.problems = [];
    this.warnings = [];
  }

  markServerProblems() {
    const overlays = this.modeler.get('overlays');
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    const byElement = {};
    this.problems.forEach((problem) => {
      if (problem.element && registry.get(problem.element)) {
        (byElement[problem.element] = byElement[problem.element] || []).push(problem.message);
      }
    });
    Object.entries(byElement).forEach(([element, messages]) => {
      canvas.addMarker(element, 'sf-invalid');
      const badge = document.createElement('div');
      badge.className = 'sf-problem-badge';
      badge.dataset.problemFor = element;
      badge.title = messages.join('\n');
      badge.textContent = String(messages.length);
      this.overlayIds.push(overlays.add(element, 'sf-problem', { position: { top: -10, left: -10 }, html: badge }));
    });
  }

  focus(elementId) {
    const element = this.modeler.get('elementRegistry').get(elementId);
    if (!element) return;
    this.modeler.get('selection').select(element);
    this.modeler.get('canvas').scrollToElement(element);
  }

  render() {
    const items = [...this.problems.map((p) => ({ ...p, source: 'supportflow' })),
      ...this.lintErrors().map((p) => ({ ...p, source: 'bpmnlint' }))];
    const warnings = this.warnings.map((p) => ({ ...p, source: 'warning' }));  // listed, never blocking
    this.problemList.replaceChildren(...[...items, ...warnings].map((problem) => {
      const item = document.createElement('li');
      item.className = `problem problem-${problem.source}`;
      if (problem.element) item.dataset.element = problem.element;
      const where = document.createElement('strong');
      where.textContent = problem.element ? this.elementLabel(problem.element) : say('diagram', 'Diagram');
      item.append(where, ` ${problem.message}`);
      return item;
    }));
    this.deployButton.disabled = items.length > 0;
    this.deployButton.title = items.length ? say('fixFirst', 'Fix the problems listed first.')
      : say('validateThenDeploy', 'Validate, then deploy a new version.');
  }

  say(text, kind) {
    this.status.textContent = text;
    this.status.className = `editor-status editor-status-${kind}`;
  }

  // How people know an element: its name with the id beside it, or the id alone when it has no name.
  elementLabel(elementId) {
    const element = this.modeler.get('elementRegistry').get(elementId);
    const name = ((element && element.businessObject.name) || '').replace(/\s+/g, ' ').trim();
    return name ? `${name} (${elementId})` : elementId;
  }

  // --- the form of a user task: form-js's editor beside the diagram, with a preview ---------------------

  async openForm(element) {
    const panel = this.root.querySelector('[data-form-panel]');
    const text = getForm(element);
    let schema = EMPTY_FORM;
    this.formElement = element;
    panel.hidden = false;
    panel.querySelector('[data-form-title]').textContent = say('formOf', 'Form of {element}',
      { element: this.elementLabel(element.id) });
    this.sayAboutForm('', 'info');
    try {
      schema = text ? JSON.parse(text) : EMPTY_FORM;
    } catch (err) {
      this.sayAboutForm(say('formNotJson', 'The form of {element} is not valid JSON ({problem}); it starts empty.',
        { element: this.elementLabel(element.id), problem: err.message }), 'error');
    }
    if (!this.formEditor) {
      const container = panel.querySelector('[data-form-editor]');
      this.formEditor = new FormEditor({ container });
      if (pageLanguage() === 'de') speakGerman(container);
      const texts = document.createElement('div');
      texts.className = 'form-texts-panel';
      texts.dataset.formTexts = '';
      panel.querySelector('.form-columns').after(texts);
      this.formTexts = new FormTexts(texts);
      this.formEditor.on('changed', () => this.formTexts.render(this.formEditor.saveSchema()));
    }
    await this.formEditor.importSchema(schema);
    this.formTexts.load(schema);
    panel.querySelector('[data-form-preview-area]').replaceChildren();
    // The panel opens below the diagram and the problems, out of sight: bring it to where the user looks.
    panel.scrollIntoView({ block: 'start' });
    panel.querySelector('[data-form-title]').focus({ preventScroll: true });
  }

  // A message about the form, said in the form's panel (where the user is) and in the editor's status line.
  sayAboutForm(text, kind) {
    const line = this.root.querySelector('[data-form-status]');
    line.textContent = text;
    line.className = `editor-status editor-status-${kind}`;
    line.hidden = !text;
    if (text) this.say(text, kind);
  }

  applyForm() {
    if (!this.formElement) return;
    const schema = this.formTexts.merge(this.formEditor.saveSchema());
    setForm(this.formElement, JSON.stringify(schema), this.modeler.get('injector'));
    this.sayAboutForm(say('formUpdated', 'Form of {element} updated; validate to check it.',
      { element: this.elementLabel(this.formElement.id) }), 'info');
  }

  async previewForm() {
    const area = this.root.querySelector('[data-form-preview-area]');
    area.replaceChildren();
    const form = new Form({ container: area });
    await form.importSchema(this.formEditor.saveSchema());
  }

  closeForm() {
    this.root.querySelector('[data-form-panel]').hidden = true;
    this.formElement = null;
  }
}

async function start() {
  const root = document.querySelector('[data-process-editor]');
  if (!root) return;
  const editor = new ProcessEditor(root);
  window.supportflowEditor = editor;
  try {
    await editor.load();
  } catch (err) {
    editor.say(say('notOpened', 'The diagram could not be opened: {problem}', { problem: err.message }), 'error');
  }
}

window.addEventListener('unhandledrejection', (event) => {
  const status = document.querySelector('[data-status]');
  if (status) {
    status.textContent = event.reason && event.reason.message ? event.reason.message : String(event.reason);
    status.className = 'editor-status editor-status-error';
  }
});

start();
