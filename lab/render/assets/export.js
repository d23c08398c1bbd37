"use strict";
// The HTML export's own script: the language switch and the detail of a
// clicked row, from the details the file carries (no network).
(function () {
  const root = document.documentElement;
  const S = JSON.parse(document.getElementById("lab-strings").textContent);
  const details = new Map();
  for (const d of JSON.parse(document.getElementById("lab-details").textContent)) details.set(d.i, d);
  const panel = document.getElementById("detail");
  let current = null;
  const lang = () => (root.dataset.lang === "zh" ? "zh" : "en");
  const show = () => {
    if (current) labDetail(panel, current, S[lang()], lang());
  };
  const setLang = (l) => {
    root.dataset.lang = l;
    root.lang = l === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-set-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.setLang === l)));
    show();
  };
  document.querySelectorAll("[data-set-lang]").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.setLang)));
  document.addEventListener("click", (ev) => {
    const row = ev.target instanceof Element ? ev.target.closest("g.row[data-i]") : null;
    if (!row) return;
    const d = details.get(Number(row.dataset.i));
    if (!d) return;
    current = d;
    labSelect(d.i);
    show();
  });
  document.addEventListener("lab-detail-closed", () => {
    current = null;
    labSelect(null);
  });
  setLang(lang());
})();
