// The task page: what was typed into the task's form survives posting a comment from the same page (the comment
// goes to the ticket and the browser comes back here). Kept in this tab's sessionStorage only until the page
// has it back; completing the task leaves nothing behind.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form[data-taskform]');
  const box = document.querySelector('form[data-comment-box]');
  if (!form || !box) return;
  const key = `supportflow.task-draft:${form.getAttribute('action')}`;
  const fields = () => Array.from(form.elements).filter((field) => field.name && field.name !== 'csrf_token'
    && !['hidden', 'file', 'submit', 'button'].includes(field.type));

  const saved = sessionStorage.getItem(key);
  sessionStorage.removeItem(key);
  if (saved) {
    const draft = JSON.parse(saved);
    fields().forEach((field) => {
      const entry = draft.find(([name, value]) => name === field.name
        && (!['checkbox', 'radio'].includes(field.type) || value === field.value));
      if (['checkbox', 'radio'].includes(field.type)) field.checked = Boolean(entry && entry[2]);
      else if (entry) field.value = entry[1];
      else return;
      // conditional fields (taskforms.js) follow what the person had chosen
      field.dispatchEvent(new Event('input', { bubbles: true }));
      field.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }
  box.addEventListener('submit', () => {
    sessionStorage.setItem(key, JSON.stringify(fields().map((field) => [field.name, field.value, field.checked])));
  });
});
