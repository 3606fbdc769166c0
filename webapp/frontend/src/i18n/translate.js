// The editor speaks the page's language (<html lang>, set by the server from the person's setting or the
// browser): bpmn-js and its properties panel through their `translate` service, with the community's German
// (bpmn-js-i18n) and ours for the properties panel and supportflow's own entries; the form-js editor, which has
// no translate service, through formEditorGerman.js.
import bpmnGerman from 'bpmn-js-i18n/translations/de';
import { EDITOR_DE, PROPERTIES_PANEL_DE } from './de';

const TABLES = { de: { ...bpmnGerman, ...PROPERTIES_PANEL_DE, ...EDITOR_DE } };

export function pageLanguage() {
  return (document.documentElement.lang || 'en').slice(0, 2).toLowerCase();
}

// bpmn-js's contract: translate(template, replacements), `{name}` in the template replaced by its value.
export function translate(template, replacements) {
  const table = TABLES[pageLanguage()] || {};
  const text = table[template] || template;
  return text.replace(/{([^}]+)}/g, (match, key) => (
    replacements && Object.prototype.hasOwnProperty.call(replacements, key) ? String(replacements[key]) : match));
}

// A bpmn-js module replacing diagram-js's translate service.
export const translateModule = { translate: ['value', translate] };
