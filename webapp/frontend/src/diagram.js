// Read-only diagrams on the ops and process pages: an instance's path, tokens and run counts, a version's
// heatmap, or what changed between two versions. The page gives the marks as JSON beside the container:
//   <div data-diagram data-bpmn-url="…"><script type="application/json" data-marks>{…}</script></div>
// marks: {runs: {id: n}, active: [id], errored: [id], heat: {id: n}, added: [id], changed: [id]}
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { api } from './api';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './diagram.css';

const HEAT_LEVELS = 5;

function badge(text, kind, title) {
  const node = document.createElement('div');
  node.className = `sf-badge sf-badge-${kind}`;
  node.textContent = text;
  if (title) node.title = title;
  return node;
}

function mark(viewer, marks) {
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  const present = (id) => registry.get(id) !== undefined;
  Object.entries(marks.runs || {}).filter(([id]) => present(id)).forEach(([id, count]) => {
    canvas.addMarker(id, 'sf-ran');
    overlays.add(id, 'sf-runs', { position: { bottom: 8, right: 8 },
      html: badge(String(count), 'runs', `ran ${count} time(s)`) });
  });
  (marks.active || []).filter(present).forEach((id) => {
    canvas.addMarker(id, 'sf-active');
    overlays.add(id, 'sf-token', { position: { top: -8, left: -8 }, html: badge('●', 'token', 'waiting here now') });
  });
  (marks.errored || []).filter(present).forEach((id) => canvas.addMarker(id, 'sf-errored'));
  const heat = Object.entries(marks.heat || {}).filter(([id]) => present(id));
  const most = Math.max(1, ...heat.map(([, count]) => count));
  heat.forEach(([id, count]) => {
    const level = count ? Math.max(1, Math.ceil((count / most) * HEAT_LEVELS)) : 0;
    canvas.addMarker(id, `sf-heat-${level}`);
    if (count) {  // elements nobody passed stay unmarked: the numbers show where the work went
      overlays.add(id, 'sf-heat', { position: { bottom: 8, right: 8 },
        html: badge(String(count), 'heat', `${count} instance(s) passed here`) });
    }
  });
  (marks.added || []).filter(present).forEach((id) => canvas.addMarker(id, 'sf-added'));
  (marks.changed || []).filter(present).forEach((id) => canvas.addMarker(id, 'sf-changed'));
}

async function show(container) {
  const canvas = container.querySelector('[data-canvas]') || container;
  const marksNode = container.querySelector('script[data-marks]');
  const marks = marksNode ? JSON.parse(marksNode.textContent) : {};
  const viewer = new NavigatedViewer({ container: canvas });
  try {
    const xml = await api(container.dataset.bpmnUrl, { raw: true });
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport', 'auto'); // centred in its box
    mark(viewer, marks);
    container.dataset.ready = 'true';
  } catch (err) {
    const message = document.createElement('p');
    message.className = 'flash flash-error';
    // the page says it in the reader's language (data-failed-text, {problem} marks the reason)
    const words = container.dataset.failedText || 'The diagram could not be drawn: {problem}';
    message.textContent = words.replace('{problem}', err.message);
    container.prepend(message);
    container.dataset.ready = 'error';
  }
  return viewer;
}

document.querySelectorAll('[data-diagram]').forEach((container) => { show(container); });
