// Task forms: hide the fields whose conditional.hide is true, as the server will ignore them anyway.
// The expressions are read by ./feel.mjs (the same FEEL subset as engine/forms/feel.py, tested against the same
// cases); a field is hidden only when its expression is exactly true.
// Without this script every field shows, and the server drops the hidden ones.
// Patterns (data-pattern, never the native backtracking `pattern` attribute) are checked with re2js, RE2's
// JavaScript port, with the server's semantics (engine/forms/patterns.py): the whole stripped value must
// match; a blank value is not checked; a pattern re2js cannot read is left to the server.
// Bundled by webapp/frontend/build.mjs into webapp/static/dist/taskforms.js.
import { RE2JS } from "re2js";
import { parse } from "./feel.mjs";

(function () {
  "use strict";

  // A field's value as the engine converts it; empty or unreadable reads as null.
  function valueOf(field) {
    var type = field.getAttribute("data-type");
    var inputs = field.querySelectorAll("input, select, textarea");
    var raw = null;
    for (var k = 0; k < inputs.length; k++) {
      var input = inputs[k];
      if (input.type === "radio") { if (input.checked) raw = input.value; } else { raw = input.value; }
    }
    if (raw === null || !String(raw).trim()) return null;
    if (type === "checkbox") return raw === "true" ? true : raw === "false" ? false : null;
    if (type === "number") { var n = Number(raw); return isFinite(n) ? n : null; }
    return type === "textfield" || type === "textarea" ? String(raw).trim() : raw;
  }

  function setHidden(element, hidden) {
    element.hidden = hidden;
    var inputs = element.querySelectorAll("input, select, textarea");
    for (var k = 0; k < inputs.length; k++) inputs[k].disabled = hidden;
  }

  function enhance(form) {
    var rules = [];
    var conditional = form.querySelectorAll("[data-hide]");
    for (var k = 0; k < conditional.length; k++) {
      try { rules.push({ element: conditional[k], hides: parse(conditional[k].getAttribute("data-hide")) }); }
      catch (err) { /* an expression this script cannot read: leave the field shown */ }
    }
    if (!rules.length) return;
    function apply() {
      // Hidden fields read as null; repeat until stable so chains of conditions settle.
      for (var round = 0; round <= rules.length; round++) {
        var values = {}, fields = form.querySelectorAll("[data-key]"), changed = false;
        for (var f = 0; f < fields.length; f++) {
          values[fields[f].getAttribute("data-key")] = fields[f].hidden ? null : valueOf(fields[f]);
        }
        for (var r = 0; r < rules.length; r++) {
          var hidden = rules[r].hides(values) === true;
          if (rules[r].element.hidden !== hidden) { setHidden(rules[r].element, hidden); changed = true; }
        }
        if (!changed) return;
      }
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  }

  // The server's message for a value the pattern refuses, shown where the server would show it.
  function patternMessage(input) { return input.getAttribute("data-pattern-message"); }

  function showPatternError(input, message) {
    var field = input.closest("[data-key]");
    var key = field.getAttribute("data-key");
    var shown = field.querySelector("[data-pattern-error]");
    if (!message) {
      if (shown) shown.remove();
      if (!field.querySelector("[data-error-for]")) input.removeAttribute("aria-invalid");
      return;
    }
    if (!shown) {
      shown = document.createElement("p");
      shown.className = "error-text";
      shown.setAttribute("data-error-for", key);
      shown.setAttribute("data-pattern-error", "");
      shown.id = "pattern-error-" + key;
      input.insertAdjacentElement("afterend", shown);
    }
    shown.textContent = message;
    input.setAttribute("aria-invalid", "true");
  }

  function checkPatterns(form) {
    var inputs = form.querySelectorAll("[data-pattern]"), first = null;
    for (var k = 0; k < inputs.length; k++) {
      var input = inputs[k], compiled = input.sfPattern, value = input.value.trim();
      if (compiled === undefined) {
        try { compiled = RE2JS.compile(input.getAttribute("data-pattern")); } catch (err) { compiled = null; }
        input.sfPattern = compiled;
      }
      var refused = compiled !== null && !input.disabled && value !== "" && !compiled.matches(value);
      showPatternError(input, refused ? patternMessage(input) : "");
      if (refused && first === null) first = input;
    }
    return first;
  }

  function guardPatterns(form) {
    if (!form.querySelector("[data-pattern]")) return;
    form.addEventListener("change", function () { checkPatterns(form); });
    form.addEventListener("submit", function (event) {
      var refused = checkPatterns(form);
      if (refused) { event.preventDefault(); refused.focus(); }
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-taskform]");
    for (var k = 0; k < forms.length; k++) { enhance(forms[k]); guardPatterns(forms[k]); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
