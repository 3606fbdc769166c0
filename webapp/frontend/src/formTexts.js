// The form's texts in the other language, beside form-js's editor: every label, description, option label and
// display text of the form as written, with its translation to edit. They are kept in the form definition as
// `translations: {de: {"<text as written>": "<German>"}}` (docs/PROCESS_CONVENTIONS.md, "Names and forms in two
// languages"); a text left empty is shown as written.
import { translate } from './i18n/translate';

// [{text, what}] of a form-js schema: what people read, each text once, in the order of the form.
export function textsOf(schema) {
  const found = [];
  const add = (text, what) => {
    if (typeof text === 'string' && text.trim() && !found.some((entry) => entry.text === text)) {
      found.push({ text, what });
    }
  };
  const visit = (components) => (components || []).forEach((component) => {
    if (component.type === 'text') add(component.text, 'text');
    add(component.label, 'label');
    add(component.description, 'description');
    (Array.isArray(component.values) ? component.values : []).forEach((value) => add(value && value.label, 'option'));
    visit(component.components);
  });
  visit(schema && schema.components);
  return found;
}

export class FormTexts {
  constructor(container) {
    this.container = container;
    this.language = 'en';
    this.target = 'de';
    this.translations = {};
    this.texts = [];
  }

  // Take the translations of a form being opened.
  load(schema) {
    this.language = (schema && schema.language) || 'en';
    this.target = this.language === 'de' ? 'en' : 'de';
    const given = (schema && typeof schema.translations === 'object' && schema.translations) || {};
    this.translations = Object.fromEntries(Object.entries(given)
      .filter(([, texts]) => texts && typeof texts === 'object').map(([language, texts]) => [language, { ...texts }]));
    this.render(schema);
  }

  // The schema with the translations of the texts it holds (entries of texts no longer in it are dropped).
  merge(schema) {
    const present = new Set(textsOf(schema).map((entry) => entry.text));
    const translations = {};
    Object.entries(this.translations).forEach(([language, texts]) => {
      const kept = Object.fromEntries(Object.entries(texts)
        .filter(([text, translation]) => present.has(text) && typeof translation === 'string' && translation.trim()));
      if (Object.keys(kept).length) translations[language] = kept;
    });
    const merged = { ...schema };
    delete merged.translations;
    return Object.keys(translations).length ? { ...merged, translations } : merged;
  }

  render(schema) {
    this.texts = textsOf(schema);
    const heading = document.createElement('h3');
    heading.textContent = translate(this.target === 'de' ? 'German texts' : 'English texts');
    const hint = document.createElement('p');
    hint.className = 'muted small';
    hint.textContent = translate(this.target === 'de'
      ? 'Each text of the form as written, with its German. A text left empty is shown to German readers as written.'
      : 'Each text of the form as written, with its English. A text left empty is shown to English readers as written.');
    this.container.replaceChildren(heading, hint, this.texts.length ? this.table() : this.empty());
  }

  empty() {
    const note = document.createElement('p');
    note.className = 'muted';
    note.textContent = translate('The form has no texts yet.');
    return note;
  }

  table() {
    const table = document.createElement('table');
    table.className = 'form-texts';
    const head = table.createTHead().insertRow();
    [translate('Text as written'), translate(this.target === 'de' ? 'German' : 'English')].forEach((title) => {
      const cell = document.createElement('th');
      cell.textContent = title;
      head.append(cell);
    });
    const body = table.createTBody();
    const own = this.translations[this.target] || {};
    this.texts.forEach(({ text, what }) => {
      const row = body.insertRow();
      row.dataset.text = text;
      const original = row.insertCell();
      const kind = document.createElement('span');
      kind.className = 'muted small';
      kind.textContent = `${translate(what)} `;
      const words = document.createElement('span');
      words.textContent = text;
      original.append(kind, words);
      const field = document.createElement(text.length > 80 || text.includes('\n') ? 'textarea' : 'input');
      field.value = own[text] || '';
      field.setAttribute('aria-label', translate(this.target === 'de' ? 'German for: {text}' : 'English for: {text}',
        { text }));
      field.addEventListener('input', () => this.set(text, field.value));
      row.insertCell().append(field);
    });
    return table;
  }

  set(text, translation) {
    const texts = this.translations[this.target] || (this.translations[this.target] = {});
    if (translation.trim()) texts[text] = translation;
    else delete texts[text];
  }
}
