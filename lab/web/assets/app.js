"use strict";
// The page of lab web, lab run --web and lab serve --web. It draws what
// the lab sends (the diagram's rows, made by the lab's Go renderer, and the
// run's state) and sends keys. Nothing it receives is run: the diagram is
// parsed as SVG and filtered to the elements and attributes the renderer
// makes, the lesson likewise, and everything else goes in text nodes.
(function () {
  const SVGNS = "http" + "://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const root = document.documentElement;

  // The token and the language travel in the fragment: #t=…&lang=zh.
  const frag = new URLSearchParams(location.hash.slice(1));
  const token = frag.get("t") || "";
  let lang = frag.get("lang") || localStorage.getItem("lab.lang") || "en";
  if (lang !== "zh") lang = "en";

  let S = {}; // the words, in lang
  let demos = []; // the catalogue (lab web)
  let mode = "";
  let state = null;
  let gen = 0;
  let es = null;
  let lessonFor = "";
  let selected = null; // {gen, i} of the row whose detail is shown

  // ---- talking to the lab
  const withToken = (url) => (token ? url + (url.includes("?") ? "&" : "?") + "t=" + encodeURIComponent(token) : url);
  async function getJSON(url) {
    const r = await fetch(withToken(url), { headers: token ? { "X-Lab-Token": token } : {} });
    const body = await r.json().catch(() => ({}));
    return { ok: r.ok, status: r.status, body };
  }
  async function post(url, body) {
    const r = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Lab-Token": token },
      body: JSON.stringify(body),
    });
    if (r.ok) {
      showError(null);
      return true;
    }
    const b = await r.json().catch(() => ({}));
    if (r.status === 403 && !token) showError(S["forbidden"]);
    else showError(b.error ? (S["refused"] || "") + pick(b.error) + (b.hint ? " — " + pick(b.hint) : "") : String(r.status));
    return false;
  }
  const pick = (t) => (t && typeof t === "object" ? t[lang] || t.en : String(t || ""));
  function showError(msg) {
    const e = $("error");
    e.textContent = msg || "";
    e.hidden = !msg;
  }
  const sendKey = (k) => post("api/key", { key: k });

  // ---- filtering what is drawn: only what the renderers make
  const SVG_TAGS = new Set(["svg", "title", "g", "rect", "line", "polygon", "circle", "text", "tspan"]);
  const SVG_ATTRS = new Set(["class", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "rx", "cx", "cy", "r", "points",
    "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "paint-order", "text-anchor", "font-weight",
    "font-family", "font-size", "viewBox", "role", "xml:space"]);
  const HTML_TAGS = new Set(["p", "ul", "ol", "li", "pre", "code", "table", "tr", "th", "td", "strong", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "small", "br"]);
  function clean(node, tags, attrs) {
    for (const el of Array.from(node.querySelectorAll("*"))) {
      if (!tags.has(el.localName)) {
        el.remove();
        continue;
      }
      for (const a of Array.from(el.attributes)) {
        if (!(attrs.has(a.name) || a.name.startsWith("data-"))) el.removeAttribute(a.name);
      }
    }
    for (const a of Array.from(node.attributes || [])) {
      if (!(attrs.has(a.name) || a.name.startsWith("data-"))) node.removeAttribute(a.name);
    }
    return node;
  }
  function parseSVG(markup) {
    const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
    if (doc.getElementsByTagName("parsererror").length || doc.documentElement.localName !== "svg") return null;
    return clean(document.importNode(doc.documentElement, true), SVG_TAGS, SVG_ATTRS);
  }
  function parseHTML(markup) {
    const doc = new DOMParser().parseFromString("<!doctype html><body>" + markup, "text/html");
    const body = doc.body;
    for (const el of Array.from(body.querySelectorAll("*"))) {
      if (!HTML_TAGS.has(el.localName)) {
        el.replaceWith(...Array.from(el.childNodes));
        continue;
      }
      for (const a of Array.from(el.attributes)) if (a.name !== "class") el.removeAttribute(a.name);
    }
    return Array.from(body.childNodes).map((n) => document.importNode(n, true));
  }

  // ---- the diagram
  const box = $("diagram-box");
  function atBottom() {
    return box.scrollTop + box.clientHeight >= box.scrollHeight - 60;
  }
  function size(svg, m) {
    const h = Math.max(1, m.height - m.top);
    svg.setAttribute("viewBox", "0 " + m.top + " " + m.width + " " + h);
    svg.setAttribute("width", m.width);
    svg.setAttribute("height", h);
  }
  function reset(m) {
    const svg = parseSVG(m.svg);
    if (!svg) return;
    gen = m.gen;
    $("diagram").replaceChildren(svg);
    size(svg, m);
    box.scrollTop = box.scrollHeight;
    if (selected && selected.gen === gen) labSelect(selected.i);
  }
  function rows(m) {
    const svg = $("diagram").querySelector("svg.seq");
    if (!svg || m.gen !== gen) return;
    const group = svg.querySelector("g.rows");
    const parsed = parseSVG('<svg xmlns="' + SVGNS + '">' + m.rows.join("") + "</svg>");
    if (!group || !parsed) return;
    const follow = atBottom();
    for (const row of Array.from(parsed.children)) group.appendChild(row);
    while (group.childElementCount > 4000) group.firstElementChild.remove();
    size(svg, m);
    if (follow) box.scrollTop = box.scrollHeight;
  }
  $("diagram").addEventListener("click", async (ev) => {
    const row = ev.target instanceof Element ? ev.target.closest("g.row[data-i]") : null;
    if (!row || row.dataset.kind === "run") return;
    const i = Number(row.dataset.i);
    selected = { gen, i };
    labSelect(i);
    const r = await getJSON("api/detail?gen=" + gen + "&i=" + i);
    const panel = $("detail");
    if (!r.ok) {
      panel.replaceChildren();
      const p = document.createElement("p");
      p.textContent = S["detail.none"];
      panel.appendChild(p);
      panel.hidden = false;
      return;
    }
    selected.detail = r.body;
    labDetail(panel, r.body, S, lang);
  });
  document.addEventListener("lab-detail-closed", () => {
    selected = null;
    labSelect(null);
  });

  // ---- the state beside it
  function showState(st) {
    state = st;
    const d = st.demo;
    $("run-title").textContent = d ? (d.id ? d.id + " " + d.slug + " — " : "") + d.title : "";
    let status = S["status." + st.phase] || st.phase;
    if (st.err) status += ": " + st.err;
    $("status").textContent = status;
    $("status").dataset.phase = st.phase;
    if (st.info) {
      const info = document.createElement("div");
      info.className = "info";
      info.textContent = st.info;
      $("status").appendChild(info);
    }
    const an = $("announce");
    an.replaceChildren();
    if (st.announce) {
      const a = st.announce;
      const head = document.createElement("div");
      head.className = "a-head side-" + a.role;
      head.textContent = "▸ " + a.side + (a.who ? " [" + a.who + "]" : "") + " " + a.call;
      const note = document.createElement("div");
      note.className = "a-note";
      note.textContent = a.note;
      const help = document.createElement("div");
      help.className = "a-help";
      help.textContent = a.help;
      an.append(head, note, help);
      an.dataset.n = a.n;
    }
    an.hidden = !st.announce;
    const f = $("findings");
    f.replaceChildren();
    if (st.findings.length || st.verdict) {
      const h = document.createElement("h2");
      h.textContent = S["view.findings"];
      const ul = document.createElement("ul");
      for (const x of st.findings) {
        const li = document.createElement("li");
        const mark = document.createElement("span");
        mark.className = x.ok ? "ok" : "no";
        mark.textContent = x.ok ? "✓ " : "✗ ";
        li.appendChild(mark);
        if (x.markers) {
          const m = document.createElement("span");
          m.className = "markers";
          m.textContent = x.markers + " ";
          li.appendChild(m);
        }
        const id = document.createElement("span");
        id.className = "fid";
        id.textContent = x.id;
        li.append(id, document.createTextNode(": " + x.text));
        ul.appendChild(li);
      }
      f.append(h, ul);
      if (st.verdict) {
        const v = document.createElement("p");
        v.className = "verdict " + st.verdict.how;
        v.textContent = st.verdict.text;
        f.appendChild(v);
      }
    }
    buttons();
    if (d && d.id) lesson(String(d.id));
    else if (mode === "web") lesson($("demo").value);
  }
  function running() {
    return state && ["running", "step", "paused", "waiting", "serving"].includes(state.phase);
  }
  function buttons() {
    const web = mode === "web";
    $("pick").hidden = !web;
    $("b-run").hidden = !web;
    // lab web starts a run in step mode with Step; elsewhere the keys
    // step the terminal's run while it goes on. Quit stops lab web's run,
    // and lab run --web altogether (its page stays up after the run).
    $("b-step").disabled = mode === "serve" || (!web && !running());
    $("b-continue").disabled = !running() || mode === "serve";
    $("b-quit").disabled = mode === "serve" || (web && !running());
  }
  async function lesson(demo) {
    const key = demo + "/" + lang;
    if (!demo || key === lessonFor) return;
    lessonFor = key;
    const r = await getJSON("api/lesson?demo=" + encodeURIComponent(demo) + "&lang=" + lang);
    if (lessonFor !== key) return;
    const el = $("lesson");
    el.replaceChildren(...(r.ok && r.body.html ? parseHTML(r.body.html) : []));
  }

  // ---- the catalogue and its knobs (lab web)
  async function catalogue() {
    const r = await getJSON("api/catalogue?lang=" + lang);
    if (!r.ok) {
      showError(pick(r.body.error));
      return;
    }
    mode = r.body.mode;
    root.dataset.mode = mode;
    demos = r.body.demos;
    const sel = $("demo");
    const before = sel.value;
    sel.replaceChildren();
    for (const d of demos) {
      const o = document.createElement("option");
      o.value = String(d.id);
      o.textContent = d.id + " " + d.slug + " — " + d.title;
      sel.appendChild(o);
    }
    if (before) sel.value = before;
    knobs();
    buttons();
  }
  function knobs() {
    const form = $("knobs");
    const old = new Map(Array.from(form.querySelectorAll("[name]")).map((i) => [i.name, i.value]));
    form.replaceChildren();
    const d = demos.find((x) => String(x.id) === $("demo").value);
    if (!d) return;
    for (const k of d.knobs) {
      const label = document.createElement("label");
      label.className = "knob";
      label.title = k.help + " (" + k.range + ")";
      const name = document.createElement("span");
      name.textContent = k.name;
      let input;
      if (k.kind === "enum" || k.kind === "bool") {
        input = document.createElement("select");
        for (const c of k.kind === "bool" ? ["on", "off"] : k.choices) {
          const o = document.createElement("option");
          o.value = c;
          o.textContent = c;
          input.appendChild(o);
        }
      } else {
        input = document.createElement("input");
        input.type = "text";
        input.size = Math.min(16, Math.max(4, k.default.length + 2));
        input.placeholder = k.default;
      }
      input.name = k.name;
      input.value = old.get(k.name) !== undefined && old.get(k.name) !== "" ? old.get(k.name) : k.default;
      input.dataset.default = k.default;
      label.append(name, input);
      form.appendChild(label);
    }
    lesson($("demo").value);
  }
  $("demo").addEventListener("change", () => {
    lessonFor = "";
    knobs();
  });
  $("knobs").addEventListener("submit", (e) => e.preventDefault());
  function sets() {
    const out = [];
    for (const i of $("knobs").querySelectorAll("[name]")) {
      if (i.value !== "" && i.value !== i.dataset.default) out.push(i.name + "=" + i.value);
    }
    return out;
  }
  const start = (step) => post("api/run", { demo: $("demo").value, set: sets(), step });

  // ---- buttons and keys: the terminal's, in the page
  const click = (id, f) =>
    $(id).addEventListener("click", (e) => {
      e.currentTarget.blur();
      f();
    });
  click("b-run", () => start($("stepmode").checked));
  click("b-step", () => {
    if (mode === "web" && !running()) start(true);
    else sendKey("n");
  });
  click("b-continue", () => sendKey("c"));
  click("b-quit", () => sendKey("q"));
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target instanceof Element && e.target.closest("input, select, textarea")) return;
    const k = { Enter: "n", ArrowRight: "n", n: "n", N: "n", " ": " ", c: "c", C: "c", q: "q", Q: "q" }[e.key];
    if (!k) return;
    e.preventDefault();
    if (k === "n" && mode === "web" && !running()) start(true);
    else sendKey(k);
  });
  click("presenter", () => presenter(!document.body.classList.contains("presenter")));
  function presenter(on) {
    document.body.classList.toggle("presenter", on);
    $("presenter").setAttribute("aria-pressed", String(on));
    localStorage.setItem("lab.presenter", on ? "1" : "");
  }

  // ---- the language
  async function setLang(l) {
    lang = l;
    localStorage.setItem("lab.lang", l);
    root.lang = l === "zh" ? "zh-CN" : "en";
    root.dataset.lang = l;
    document.querySelectorAll("[data-set-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.setLang === l)));
    const r = await getJSON("api/ui?lang=" + l);
    S = r.body;
    document.querySelectorAll("[data-t]").forEach((el) => {
      if (S[el.dataset.t]) el.textContent = S[el.dataset.t];
    });
    document.title = S["title"];
    $("offline").textContent = S["offline"];
    $("export-html").href = withToken("export.html?lang=" + l);
    $("export-svg").href = withToken("export.svg?lang=" + l);
    await catalogue();
    lessonFor = "";
    connect();
    if (selected && selected.detail) labDetail($("detail"), selected.detail, S, lang);
  }
  document.querySelectorAll("[data-set-lang]").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.setLang)));

  // ---- the stream: one per page; a reconnect gets the whole diagram
  function connect() {
    if (es) es.close();
    es = new EventSource(withToken("events?lang=" + lang));
    es.addEventListener("reset", (e) => reset(JSON.parse(e.data)));
    es.addEventListener("rows", (e) => rows(JSON.parse(e.data)));
    es.addEventListener("state", (e) => showState(JSON.parse(e.data)));
    es.onopen = () => ($("offline").hidden = true);
    es.onerror = () => ($("offline").hidden = false);
  }

  presenter(localStorage.getItem("lab.presenter") === "1");
  setLang(lang);
})();
