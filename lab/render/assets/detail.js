"use strict";
// labDetail fills panel with the detail of a row of the sequence diagram
// (render.Detail, made by the lab in Go): the call, what it returned, and
// its bytes as Python prints them, as UTF-8 and in hex. Everything goes in
// text nodes, never markup: the bytes came from a peer and are data.
// S are the words in the page's language, lang is "en" or "zh".
function labDetail(panel, d, S, lang) {
  panel.replaceChildren();
  const tr = (t) => (t ? t[lang] || t.en || "" : "");
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const close = el("button", "d-close", S["detail.close"] || "×");
  close.type = "button";
  close.addEventListener("click", () => {
    panel.hidden = true;
    document.dispatchEvent(new CustomEvent("lab-detail-closed"));
  });
  panel.appendChild(close);
  let title = tr(d.side);
  if (d.who) title += " [" + d.who + "]";
  if (d.conn) title += " #" + d.conn;
  title += " " + (d.call || d.kind);
  panel.appendChild(el("h3", "d-head", title));
  const dl = el("dl", "d-fields");
  const field = (key, value, cls) => {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", null, S[key] || key));
    dl.appendChild(el("dd", cls || null, value));
  };
  field("detail.time", d.ms);
  if (d.step) field("detail.step", d.step + (d.key ? " — " + S["detail.key"] : ""));
  field("detail.local", d.local);
  field("detail.peer", d.peer);
  if (d.data) {
    field("detail.asked", d.req);
    field("detail.got", d.n);
    if (d.offset) field("detail.offset", d.offset);
  }
  if (d.trunc) field("detail.trunc", "✂", "d-warn");
  if (d.err) field("detail.error", (d.errno ? d.errno + ": " : "") + d.err, "d-err");
  if (d.text) field("detail.text", tr(d.text));
  if (d.packet) {
    const p = d.packet;
    field("detail.flags", p.flags || (p.proto || "").toUpperCase());
    if (p.src || p.dst) field("detail.route", (p.src || "?") + " → " + (p.dst || "?"));
    if (p.flags) {
      field("detail.seq", p.seq);
      field("detail.ack", p.ack);
    }
    field("detail.len", p.len);
    field("detail.win", p.win);
    field("detail.opts", p.opts);
    field("detail.state", p.state);
  }
  if (d.marks && d.marks.length) {
    field("detail.parts", d.marks.map((m) => tr(m.label) + " " + m.from + "–" + m.to).join(" · "));
  }
  panel.appendChild(dl);
  if (d.data && d.n === 0 && !d.err) panel.appendChild(el("p", "d-bytes", S["detail.empty"]));
  if (d.repr) {
    panel.appendChild(el("h4", null, S["detail.repr"]));
    panel.appendChild(el("pre", "d-bytes d-repr", d.repr));
  }
  if (d.utf8) {
    panel.appendChild(el("h4", null, S["detail.utf8"]));
    panel.appendChild(el("pre", "d-bytes d-utf8", d.utf8));
  }
  if (d.hex && d.hex.length) {
    panel.appendChild(el("h4", null, S["detail.hex"]));
    panel.appendChild(el("pre", "d-bytes d-hex", d.hex.join("\n")));
  }
  if (d.more > 0) {
    panel.appendChild(el("p", "d-more", (S["detail.more"] || "%d").replace("%d", d.more.toLocaleString("en"))));
  }
  panel.hidden = false;
}

// labSelect marks the rows with index i in every diagram of the page as
// selected (null: none).
function labSelect(i) {
  document.querySelectorAll("g.row.sel").forEach((r) => r.classList.remove("sel"));
  if (i === null || i === undefined) return;
  document.querySelectorAll('g.row[data-i="' + Number(i) + '"]').forEach((r) => r.classList.add("sel"));
}
