// form-js's editor has no translate service and no translations: its words are written into its components.
// So its German is given here, and `speakGerman` puts it in place in the editor's palette and properties panel
// as they are drawn (a MutationObserver on the editor's own texts and tooltips). The form's own texts — the
// labels a process owner typed, shown on the canvas and in the panel's headers — are never touched.

import { PROPERTIES_PANEL_DE } from './de';

export const FORM_EDITOR_DE = {
  ...PROPERTIES_PANEL_DE,  // the properties panel is the one bpmn-js's editor uses: its German once
  // the palette
  Components: 'Komponenten',
  'Search components': 'Komponenten suchen',
  'No components found.': 'Keine Komponenten gefunden.',
  Input: 'Eingabe',
  Selection: 'Auswahl',
  Presentation: 'Darstellung',
  Containers: 'Container',
  Action: 'Aktion',
  'Text field': 'Textfeld',
  'Text area': 'Textbereich',
  Number: 'Zahl',
  Datetime: 'Datum und Uhrzeit',
  'Date time': 'Datum und Uhrzeit',
  Checkbox: 'Kontrollkästchen',
  'Checkbox group': 'Gruppe von Kontrollkästchen',
  'Radio group': 'Optionsfelder',
  Select: 'Auswahlliste',
  'Tag list': 'Schlagwortliste',
  'Text view': 'Textanzeige',
  'HTML view': 'HTML-Anzeige',
  'Image view': 'Bildanzeige',
  Table: 'Tabelle',
  Spacer: 'Abstand',
  Separator: 'Trennlinie',
  Group: 'Gruppe',
  'Dynamic list': 'Dynamische Liste',
  'Document preview': 'Dokumentvorschau',
  'File picker': 'Dateiauswahl',
  Button: 'Schaltfläche',
  Expression: 'Ausdruck',
  Password: 'Passwort',
  // the canvas
  'Build your form': 'Bauen Sie Ihr Formular',
  'Drag and drop components here to start designing.': 'Ziehen Sie Komponenten hierher, um zu beginnen.',
  'Drag and drop components here.': 'Ziehen Sie Komponenten hierher.',
  'Use the preview window to test your form.': 'Testen Sie Ihr Formular in der Vorschau.',
  'Remove form field': 'Formularfeld entfernen',
  'Powered by bpmn.io': 'Powered by bpmn.io',
  // the properties panel
  'Select a form field to edit its properties.': 'Wählen Sie ein Formularfeld, um seine Eigenschaften zu bearbeiten.',
  Validation: 'Validierung',
  Constraints: 'Einschränkungen',
  Layout: 'Layout',
  Appearance: 'Darstellung',
  Serialization: 'Serialisierung',
  'Options source': 'Quelle der Optionen',
  'Static options': 'Feste Optionen',
  'Dynamic options': 'Dynamische Optionen',
  'Options expression': 'Ausdruck der Optionen',
  'Input values key': 'Schlüssel der Eingabewerte',
  'Custom properties': 'Eigene Eigenschaften',
  'Security attributes': 'Sicherheitsattribute',
  'Field label': 'Beschriftung des Feldes',
  'Group label': 'Beschriftung der Gruppe',
  'Table label': 'Beschriftung der Tabelle',
  'Field description': 'Beschreibung des Feldes',
  Title: 'Titel',
  Key: 'Schlüssel',
  'Binds to a form variable': 'Bindet an eine Variable des Formulars',
  Path: 'Pfad',
  'Default value': 'Vorgabewert',
  Checked: 'Angekreuzt',
  'Not checked': 'Nicht angekreuzt',
  Text: 'Text',
  Content: 'Inhalt',
  Subtype: 'Untertyp',
  Time: 'Uhrzeit',
  'Date label': 'Beschriftung des Datums',
  'Time label': 'Beschriftung der Uhrzeit',
  'Time format': 'Uhrzeitformat',
  'Time interval': 'Zeitintervall',
  'Use 24h': '24-Stunden-Format',
  'Disallow past dates': 'Vergangene Daten nicht zulassen',
  'Decimal digits': 'Nachkommastellen',
  Increment: 'Schrittweite',
  'Output as string': 'Als Text ausgeben',
  Prefix: 'Präfix',
  Suffix: 'Suffix',
  Searchable: 'Durchsuchbar',
  Required: 'Pflichtfeld',
  'Read only': 'Nur lesen',
  Disabled: 'Deaktiviert',
  'Minimum length': 'Mindestlänge',
  'Maximum length': 'Höchstlänge',
  Minimum: 'Minimum',
  Maximum: 'Maximum',
  'Validation pattern': 'Prüfmuster',
  Custom: 'Eigenes',
  'Custom regular expression': 'Eigener regulärer Ausdruck',
  'Custom error message': 'Eigene Fehlermeldung',
  Email: 'E-Mail',
  Phone: 'Telefon',
  'Hide if': 'Ausblenden, wenn',
  'Deactivate if': 'Deaktivieren, wenn',
  'Condition under which the field is hidden': 'Bedingung, unter der das Feld ausgeblendet wird',
  'Condition under which the field is deactivated': 'Bedingung, unter der das Feld deaktiviert wird',
  Columns: 'Spalten',
  Column: 'Spalte',
  Auto: 'Automatisch',
  Height: 'Höhe',
  'Height of the container in pixels.': 'Höhe des Containers in Pixeln.',
  'Show outline': 'Umriss zeigen',
  'Vertical alignment': 'Vertikale Ausrichtung',
  Top: 'Oben',
  Center: 'Mitte',
  Bottom: 'Unten',
  'Alternative text': 'Alternativtext',
  'Image source': 'Bildquelle',
  'Version tag by which this form can be referenced.': 'Versionskennung, unter der dieses Formular verwiesen wird.',
  'Learn more': 'Mehr erfahren',
  'Must not be empty.': 'Darf nicht leer sein.',
  'Must not be empty': 'Darf nicht leer sein',
  'Must be unique.': 'Muss eindeutig sein.',
  'Must not contain spaces.': 'Darf keine Leerzeichen enthalten.',
  'Must be a variable or a dot separated path.': 'Muss eine Variable oder ein Pfad mit Punkten sein.',
  'Must not contain numerical path segments.': 'Darf keine Zahlen als Pfadteile enthalten.',
  'Must not be a prohibited path.': 'Darf kein verbotener Pfad sein.',
  'Must not cause two binding paths to collide': 'Darf keine zwei gleichen Bindungspfade erzeugen',
  'Must be number': 'Muss eine Zahl sein',
  'Should be a valid number': 'Sollte eine gültige Zahl sein',
  'Should be a valid number.': 'Sollte eine gültige Zahl sein.',
  'Should be an integer.': 'Sollte eine ganze Zahl sein.',
  'Should be greater than or equal to zero.': 'Sollte mindestens null sein.',
  'Should be greater than zero.': 'Sollte größer als null sein.',
  'Value must be a number.': 'Der Wert muss eine Zahl sein.',
  'A number is required.': 'Eine Zahl ist nötig.',
  'FEEL expression is mandatory': 'Ein FEEL-Ausdruck ist Pflicht',
  'Unparsable FEEL expression.': 'Der FEEL-Ausdruck ist nicht lesbar.',
  'Click to set a dynamic value with FEEL expression': 'Klicken, um einen dynamischen Wert mit FEEL zu setzen',
  'Click to remove dynamic value with FEEL expression': 'Klicken, um den dynamischen FEEL-Wert zu entfernen',
  Form: 'Formular',
};

// Where the form's own texts are drawn: left as the process owner wrote them.
const OWN_TEXTS = '.fjs-form-field, .fjs-form, .bio-properties-panel-header-label, '
  + '.bio-properties-panel-collapsible-entry-header-title, input, textarea, [contenteditable]';
const ATTRIBUTES = ['title', 'placeholder', 'aria-label'];

function translateNode(node, table) {
  if (node.nodeType === Node.TEXT_NODE) {
    const parent = node.parentElement;
    const english = node.data.trim();
    if (english && table[english] && table[english] !== english && parent && !parent.closest(OWN_TEXTS)) {
      node.data = node.data.replace(english, table[english]);  // changed only when it differs: no endless loop
    }
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  if (!node.closest(OWN_TEXTS) || node.matches('input, textarea')) {
    ATTRIBUTES.forEach((attribute) => {
      const english = node.getAttribute(attribute);
      const german = english && table[english.trim()];
      if (german && german !== english) node.setAttribute(attribute, german);
    });
  }
  node.childNodes.forEach((child) => translateNode(child, table));
}

// Keep the form editor inside `container` in German; returns the observer (disconnect() stops it).
export function speakGerman(container, table = FORM_EDITOR_DE) {
  translateNode(container, table);
  const observer = new MutationObserver((mutations) => {
    mutations.forEach((mutation) => {
      if (mutation.type === 'characterData') translateNode(mutation.target, table);
      else if (mutation.type === 'attributes') translateNode(mutation.target, table);
      else mutation.addedNodes.forEach((node) => translateNode(node, table));
    });
  });
  observer.observe(container, { subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ATTRIBUTES });
  return observer;
}
