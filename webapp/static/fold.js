// Long texts fold: a [data-fold] block shows its first lines and a "Show all" toggle (its words come from the
// page: the button's text and data-less). Without this script the text stays whole.
document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('[data-fold]').forEach((block) => {
    const toggle = block.querySelector('[data-fold-toggle]');
    if (!toggle) return;
    const more = toggle.textContent;
    const less = toggle.dataset.less || more;
    block.classList.add('folded');
    toggle.hidden = false;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.addEventListener('click', () => {
      const folded = block.classList.toggle('folded');
      toggle.textContent = folded ? more : less;
      toggle.setAttribute('aria-expanded', folded ? 'false' : 'true');
    });
  });
});
