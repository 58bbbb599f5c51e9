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
