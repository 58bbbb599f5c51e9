// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Ask before irreversible actions (forms with data-confirm).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
  // Move focus to the error summary so keyboard and screen-reader users hear it first.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

// --- gpsearch: search filters, and the print button of the patient handout ---
document.addEventListener("DOMContentLoaded", () => {
  // Once a search shows results, its filters apply as soon as they change (the form still
  // works with its buttons without this).
  const search = document.querySelector("form[data-auto-submit]");
  if (search) {
    for (const p of search.querySelectorAll(".filter-apply")) p.hidden = true;
    search.addEventListener("change", (e) => {
      if (e.target.closest(".filter-panel") || e.target.name === "afstand") search.requestSubmit();
    });
  }
  // On a wide screen the filters stand open beside the results; on a phone they wait behind
  // "Filters" so the results come first.
  const panel = document.querySelector("details.filter-panel");
  if (panel && window.matchMedia("(min-width: 52rem)").matches) panel.open = true;
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
// A table wider than the screen (on a phone) scrolls in its own area, which a keyboard can
// reach and a screen reader names after the table's caption.
function wrapWideTables() {
  for (const table of document.querySelectorAll("main table")) {
    if (table.closest(".table-scroll") || table.scrollWidth <= table.parentElement.clientWidth) continue;
    const area = document.createElement("div");
    area.className = "table-scroll";
    area.tabIndex = 0;
    area.setAttribute("role", "region");
    const caption = table.querySelector("caption");
    area.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
    table.replaceWith(area);
    area.appendChild(table);
  }
}
document.addEventListener("DOMContentLoaded", wrapWideTables);
// --- Referral note check (topic: referral note) ---
// While the short note of a referral form is typed, ask the node whether it would be refused
// and show why beside the field. The server checks again on submit; without this script the
// form works the same, only without the early warning.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-note-check]")) {
    const note = form.querySelector("textarea[name=note]");
    const warning = form.querySelector(".note-warning");
    if (!note || !warning) continue;
    let timer = 0;
    let asked = "";
    const check = async () => {
      const text = note.value;
      if (text === asked) return;
      asked = text;
      if (text.trim() === "") {
        warning.textContent = "";
        return;
      }
      try {
        const res = await fetch(form.dataset.noteCheck, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ note: text }),
        });
        if (!res.ok || note.value !== text) return;
        const answer = await res.json();
        warning.textContent = answer.ok ? "" : answer.problem;
      } catch (_) {
        // No warning when the check cannot be reached; the server still refuses on submit.
      }
    };
    note.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  }
});

// Referral cancel (outcomes): a form confirmed by the dialog above tells the server so
// (data-confirm-field names the hidden input), which then skips its own confirmation step.
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || e.defaultPrevented) return;
  const name = form.dataset.confirmField;
  const input = name && form.querySelector(`input[name="${name}"]`);
  if (input) input.value = "1";
});
