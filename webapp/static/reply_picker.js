// The reply picker (templates/replies/_picker.html): beside a text area, a search over the canned replies the page
// lists in #canned-replies; the chosen one is filled in for the ticket by POST /api/v1/replies/<id>/render (the
// page's session and CSRF token) and inserted at the cursor. The page gives every sentence shown.
(function () {
  'use strict';

  function replies() {
    const block = document.getElementById('canned-replies');
    if (!block) return null;
    try {
      return { items: JSON.parse(block.textContent || '[]'), failed: block.dataset.failed, shared: block.dataset.shared };
    } catch (error) {
      return null;
    }
  }

  function folded(text) {
    return (text || '').toLocaleLowerCase().replace(/ß/g, 'ss').normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  }

  function insertAt(area, text) {
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? start;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    const caret = start + text.length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }

  async function rendered(id, ticket) {
    const meta = document.querySelector('meta[name=csrf-token]');
    const response = await fetch(`/api/v1/replies/${encodeURIComponent(id)}/render`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
                 'X-CSRF-Token': meta ? meta.content : '' },
      body: JSON.stringify({ ticket }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const errors = body.errors ? Object.values(body.errors).flat().join(' ') : '';
      throw new Error(errors || body.error || '');
    }
    return body.text;
  }

  function setUp(picker, data) {
    const area = document.getElementById(picker.dataset.for);
    const open = picker.querySelector('[data-reply-open]');
    const panel = picker.querySelector('[data-reply-panel]');
    const search = picker.querySelector('[data-reply-search]');
    const list = picker.querySelector('[data-reply-list]');
    const none = picker.querySelector('[data-reply-none]');
    const problem = picker.querySelector('[data-reply-error]');
    if (!area || !open || !panel) return;
    let caret = null; // where the cursor stood in the text area when the picker took the focus

    function show() {
      const words = folded(search.value).split(/\s+/).filter(Boolean);
      const matching = data.items.filter((reply) => {
        const text = folded(`${reply.title} ${reply.text}`);
        return words.every((word) => text.includes(word));
      });
      list.replaceChildren(...matching.map((reply) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link';
        button.dataset.replyId = reply.id;
        button.textContent = reply.title;
        const note = document.createElement('span');
        note.className = 'muted small';
        note.textContent = ` ${reply.language.toUpperCase()}${reply.shared ? ` · ${data.shared}` : ''}`;
        item.append(button, note);
        return item;
      }));
      none.hidden = matching.length > 0;
    }

    area.addEventListener('blur', () => { caret = [area.selectionStart, area.selectionEnd]; });
    open.addEventListener('click', () => {
      const opening = panel.hidden;
      panel.hidden = !opening;
      open.setAttribute('aria-expanded', String(opening));
      if (opening) { show(); search.focus(); }
    });
    search.addEventListener('input', show);
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { panel.hidden = true; open.setAttribute('aria-expanded', 'false'); open.focus(); }
      if (event.key === 'Enter') {
        event.preventDefault(); // never submit the form from the search field
        const first = list.querySelector('button');
        if (first) first.click();
      }
    });
    list.addEventListener('click', async (event) => {
      const button = event.target.closest('button[data-reply-id]');
      if (!button) return;
      problem.hidden = true;
      try {
        const text = await rendered(button.dataset.replyId, picker.dataset.ticket);
        if (caret) area.setSelectionRange(caret[0], caret[1]);
        insertAt(area, text);
        panel.hidden = true;
        open.setAttribute('aria-expanded', 'false');
      } catch (error) {
        problem.textContent = error.message || data.failed;
        problem.hidden = false;
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    const data = replies();
    if (!data) return;
    document.querySelectorAll('[data-reply-picker]').forEach((picker) => setUp(picker, data));
  });
}());
