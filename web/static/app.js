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

// --- suggest: autocomplete of the search box (ARIA combobox with a listbox). Without this the
// search box is a plain text field of the GET form. Suggestions come from /zoeken/suggesties.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector('form[role="search"] input[name="q"]');
  if (!input || !window.fetch) return;
  const form = input.form;
  const en = document.documentElement.lang === "en";
  const kinds = en
    ? { offer: "offer", organisation: "organisation", area: "area", life_domain: "life domain", target_group: "target group" }
    : { offer: "aanbod", organisation: "organisatie", area: "gebied", life_domain: "leefgebied", target_group: "doelgroep" };
  const list = document.createElement("ul");
  list.id = "q-suggesties";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", en ? "Suggestions" : "Suggesties");
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);
  input.parentElement.classList.add("has-suggestions");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("autocomplete", "off");
  let items = [];
  let active = -1;
  let timer;
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const mark = (i) => {
    active = i;
    for (const [n, li] of [...list.children].entries()) li.setAttribute("aria-selected", String(n === i));
    if (i >= 0) input.setAttribute("aria-activedescendant", list.children[i].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const choose = (s) => {
    close();
    const box =
      s.kind === "life_domain" || s.kind === "target_group"
        ? form.querySelector(`input[name="${s.kind === "life_domain" ? "domein" : "doelgroep"}"][value="${s.value}"]`)
        : null;
    const where = s.kind === "area" ? form.querySelector('[name="waar"]') : null;
    if (box) {
      box.checked = true;
      input.value = "";
    } else if (where) {
      where.value = s.query;
      input.value = "";
    } else {
      input.value = s.query;
    }
    form.requestSubmit();
  };
  const render = (found) => {
    close();
    items = found;
    if (!items.length) return;
    for (const [i, s] of items.entries()) {
      const li = document.createElement("li");
      li.id = `q-suggestie-${i}`;
      li.dataset.i = String(i);
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = s.label;
      const kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = ` · ${kinds[s.kind] || ""}`;
      li.append(kind);
      list.append(li);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const ask = async () => {
    const text = input.value.trim();
    if (text.length < 2 || text.length > 60) return close();
    try {
      const res = await fetch(`/zoeken/suggesties?q=${encodeURIComponent(text)}`, { credentials: "same-origin" });
      if (!res.ok || input.value.trim() !== text) return;
      render(await res.json());
    } catch (_) {
      // No suggestions when they cannot be reached; the form works as before.
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && items.length) {
      e.preventDefault();
      mark((active + 1) % items.length);
    } else if (e.key === "ArrowUp" && items.length) {
      e.preventDefault();
      mark(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      choose(items[active]);
    } else if (e.key === "Escape" && !list.hidden) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 200));
  // Keep the focus in the box while a suggestion is clicked.
  list.addEventListener("mousedown", (e) => e.preventDefault());
  list.addEventListener("click", (e) => {
    const li = e.target.closest("li[data-i]");
    if (li) choose(items[Number(li.dataset.i)]);
  });
});
