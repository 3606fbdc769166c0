// The instances page: the box in the table's head ticks or clears every instance on the page.
document.addEventListener('DOMContentLoaded', () => {
  const all = document.querySelector('[data-select-all]');
  if (!all) return;
  all.addEventListener('change', (event) => {
    document.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = event.target.checked; });
  });
});
