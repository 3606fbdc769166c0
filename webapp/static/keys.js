// Keyboard shortcuts on every signed-in page; the keys and their words are listed by the page itself
// (templates/_keys.html, the [data-keys-overlay] dialog).
//   /      focus the search box ([data-search]), else the page's own filter field ([data-filter])
//   j / k  move the selection in a list of [data-row] rows; Enter opens the selected row ([data-row-open])
//   c      claim the selected task (its [data-row-claim] form) in the inbox
//   ?      show or hide the list of keys; Escape hides it
// Never while someone types in a field.
(() => {
  const SELECTED = 'selected-row';
  const typing = (target) => target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  const rows = () => Array.from(document.querySelectorAll('[data-row]'));
  const selected = () => document.querySelector(`[data-row].${SELECTED}`);

  function select(row) {
    const current = selected();
    if (current) { current.classList.remove(SELECTED); current.removeAttribute('aria-selected'); }
    row.classList.add(SELECTED);
    row.setAttribute('aria-selected', 'true');
    row.scrollIntoView({ block: 'nearest' });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return false;
    const at = all.indexOf(selected());
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next]);
    return true;
  }

  function focusSearch() {
    const field = document.querySelector('[data-search]') || document.querySelector('[data-filter]');
    if (!field) return false;
    field.focus();
    if (typeof field.select === 'function') field.select();
    return true;
  }

  function toggleOverlay(show) {
    const overlay = document.querySelector('[data-keys-overlay]');
    if (!overlay) return false;
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
    if (!overlay.hidden) overlay.querySelector('[data-keys-close]')?.focus();
    return true;
  }

  function open() {
    const link = selected()?.querySelector('[data-row-open]');
    if (!link) return false;
    link.click();
    return true;
  }

  function claim() {
    const form = selected()?.querySelector('form[data-row-claim]');
    if (!form) return false;
    form.requestSubmit();
    return true;
  }

  const KEYS = { '/': focusSearch, j: () => move(1), k: () => move(-1), Enter: open, c: claim,
    '?': () => toggleOverlay(),
    Escape: () => Boolean(document.querySelector('[data-keys-overlay]:not([hidden])')) && toggleOverlay(false) };

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    const overlayOpen = document.querySelector('[data-keys-overlay]:not([hidden])');
    if (overlayOpen && !['?', 'Escape'].includes(event.key)) return;
    if (event.key === 'Enter' && event.target instanceof HTMLElement
        && event.target.closest('a, button, summary')) return;  // Enter on a focused link or button is its own
    const action = KEYS[event.key];
    if (action && action()) event.preventDefault();
  });

  document.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('[data-keys-close]')) toggleOverlay(false);
  });
})();
