// "/" focuses the top bar's search box, unless the user is typing in a field already.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || target.closest('input, textarea, select'))) return;
  const box = document.querySelector('[data-search-box]');
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
