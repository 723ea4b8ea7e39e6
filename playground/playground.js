// The playground: Python (Pyodide) runs microgradjp.tools.playground; this script only moves
// numbers and texts between it and the page. Texts enter the page as text nodes (textContent),
// drawings as SVG parsed by DOMParser; no string is ever read as HTML.

const $ = (id) => document.getElementById(id);
const config = await (await fetch("config.json")).json();
let language = new URLSearchParams(location.search).get("lang")
  ?? (navigator.language.startsWith("ja") ? "ja" : "en");
let python, api, examples, shown, practice, practiced, pending;

function setLanguage(chosen) {
  language = chosen === "ja" ? "ja" : "en";
  document.documentElement.lang = language;
  document.querySelectorAll("[data-en]").forEach((element) => {
    element.textContent = element.dataset[language];
  });
  document.querySelectorAll("[data-language]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.language === language));
  });
  if (examples) {
    [...$("example").options].forEach((option) => {
      const example = examples[option.value];
      if (example) option.textContent = language === "ja" ? example.title_ja : example.title;
    });
  }
}

// Python's answers arrive as plain data: a dict becomes an object, a list an array. A Python
// error that is not an answer (a bug) is shown, not lost in the console.
function call(method, ...args) {
  let result;
  try {
    result = method(...args.map((arg) => python.toPy(arg)));
  } catch (error) {
    showError(String(error.message ?? error));
    throw error;
  }
  if (result === undefined || typeof result !== "object") return result;
  const data = result.toJs({ dict_converter: Object.fromEntries });
  result.destroy();
  return data;
}

function svgInto(container, text) {
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  container.replaceChildren(document.importNode(svg, true));
}

function number(value) {
  return String(Number(value.toPrecision(6)));
}

function currentInputs() {
  const inputs = {};
  $("inputs").querySelectorAll("tbody tr").forEach((row) => {
    inputs[row.dataset.name] = Number(row.querySelector("input[type=number]").value);
  });
  return inputs;
}

// One row a variable: its name, a slider, a number box and (after drawing) its gradient.
function inputRows(values) {
  const rows = Object.entries(values).map(([name, value]) => {
    const row = document.createElement("tr");
    row.dataset.name = name;
    const cells = [0, 1, 2, 3].map(() => row.appendChild(document.createElement("td")));
    cells[0].textContent = name;
    const slider = cells[1].appendChild(document.createElement("input"));
    slider.type = "range";
    slider.setAttribute("aria-label", name);
    const box = cells[2].appendChild(document.createElement("input"));
    box.type = "number";
    box.step = "any";
    box.value = String(value);
    box.setAttribute("aria-label", name);
    cells[3].className = "gradient";
    const centre = () => {  // the slider spans the value ± twice its size (at least ± 2)
      const span = 2 * Math.max(1, Math.abs(Number(box.value)));
      slider.min = String(Number(box.value) - span);
      slider.max = String(Number(box.value) + span);
      slider.step = String(span / 100);
      slider.value = box.value;
    };
    centre();
    slider.addEventListener("input", () => { box.value = slider.value; later(redraw); });
    box.addEventListener("change", () => { centre(); redraw(); });
    return row;
  });
  $("inputs").tBodies[0].replaceChildren(...rows);
}

function later(action) {  // a slider fires many events: draw once it rests for a moment
  clearTimeout(pending);
  pending = setTimeout(action, 120);
}

function showError(message) {
  $("error").hidden = !message;
  $("error").textContent = message ?? "";
}

function redraw() {
  const text = $("expression").value;
  const result = call(api.show, text, currentInputs());
  if (result.error) return showError(result.error);
  showError(null);
  const known = new Set(Object.keys(currentInputs()));
  const fresh = Object.keys(result.inputs);
  if (fresh.length !== known.size || fresh.some((name) => !known.has(name))) {
    inputRows(result.inputs);  // the expression names other variables now
  }
  shown = result;
  $("value").textContent = number(result.value);
  $("inputs").querySelectorAll("tbody tr").forEach((row) => {
    const grad = result.grads[row.dataset.name];
    row.querySelector(".gradient").textContent = grad === undefined ? "" : number(grad);
  });
  svgInto($("graph"), result.svg);
  $("player").srcdoc = result.player;
  showChain(null);
  if (!$("view-practice").hidden) startPractice();
}

function showChain(box) {
  $("graph").querySelectorAll("g.node").forEach((group) => {
    group.classList.toggle("picked", group.querySelector("title")?.textContent === box);
  });
  const chain = box === null ? undefined : shown.boxes[box];
  $("chain-name").textContent = chain === undefined
    ? (language === "ja" ? "箱をクリックしてください。" : "Click a box.")
    : chain.title[language === "ja" ? 1 : 0];
  $("chain-lines").replaceChildren(...(chain?.lines ?? []).map(([english, japanese]) => {
    const item = document.createElement("li");
    const both = [[english, "en"], [japanese, "ja"]];  // the page's language first
    for (const [text, lang] of language === "ja" ? both.reverse() : both) {
      const line = item.appendChild(document.createElement("p"));
      line.lang = lang;
      line.textContent = text;
    }
    return item;
  }));
}

function descend() {
  const rate = Number($("rate").value);
  const result = call(api.descend, $("expression").value, currentInputs(), rate);
  if (result.error) return showError(result.error);
  $("inputs").querySelectorAll("tbody tr").forEach((row) => {
    const box = row.querySelector("input[type=number]");
    box.value = String(result.inputs[row.dataset.name]);
    box.dispatchEvent(new Event("change"));  // re-centres its slider
  });
  $("descent").textContent = `${number(result.before)} → ${number(result.after)}`;
}

// Practice: Python keeps the round; the page shows its drawing, question and feedback.
function startPractice() {
  practice?.destroy();
  practiced = JSON.stringify([$("expression").value, currentInputs()]);
  try {
    practice = api.Practice(python.toPy($("expression").value), python.toPy(currentInputs()));
  } catch (error) {
    practice = null;
    return;
  }
  ["feedback-en", "feedback-ja"].forEach((id) => { $(id).textContent = ""; });
  showPractice();
}

function showPractice() {
  const state = call(practice.state);
  svgInto($("practice-graph"), state.svg);
  $("practice-graph").querySelectorAll("g.node").forEach((group) => {
    group.classList.toggle("asked", group.querySelector("title")?.textContent === state.box);
  });
  $("question-en").textContent = state.done ? "Done: every gradient is right. Compare with the Graph tab." : state.question[0];
  $("question-ja").textContent = state.done ? "完成です。すべての勾配が正解です。グラフのタブと見比べましょう。" : state.question[1];
  $("answer").disabled = $("check").disabled = state.done;
  $("reveal").hidden = !state.reveal;
  $("answer").value = "";
}

function check() {
  if (!practice || !$("answer").value.trim()) return;
  const result = call(practice.answer, $("answer").value);
  const feedback = result.feedback;
  if (result.correct) showPractice();
  $("feedback-en").textContent = feedback[0];
  $("feedback-ja").textContent = feedback[1];
  $("feedback-en").className = $("feedback-ja").className =
    `feedback ${result.correct ? "right" : "wrong"}`;
  if (!result.correct) $("reveal").hidden = !result.reveal;
}

function showView(name) {
  document.querySelectorAll("[data-view]").forEach((tab) => {
    tab.setAttribute("aria-selected", String(tab.dataset.view === name));
  });
  document.querySelectorAll(".view").forEach((view) => { view.hidden = view.id !== `view-${name}`; });
  document.body.classList.toggle("practising", name === "practice");  // no gradients shown
  if (name === "practice" && practiced !== JSON.stringify([$("expression").value, currentInputs()])) {
    startPractice();  // a round for what the page shows now
  }
}

function showLoaded() {
  const { seconds, bytes } = $("loaded").dataset;
  if (seconds === undefined) return;
  const megabytes = (Number(bytes) / 1e6).toFixed(1);
  $("loaded").textContent = language === "ja"
    ? `準備 ${Number(seconds).toFixed(1)} 秒、読み込み ${megabytes} MB`
    : `ready in ${Number(seconds).toFixed(1)} s, ${megabytes} MB loaded`;
}

function loadExample(key) {
  const example = examples[key];
  $("expression").value = example.text;
  inputRows(example.inputs);
  redraw();
}

async function start() {
  const { loadPyodide } = await import(new URL(`${config.pyodide}pyodide.mjs`, location.href));
  python = await loadPyodide({ indexURL: new URL(config.pyodide, location.href).href });
  const sitePackages = python.runPython("import site; site.getsitepackages()[0]");
  const wheels = await (await fetch("wheels/wheels.json")).json();
  for (const wheel of wheels) {
    const bytes = await (await fetch(`wheels/${wheel}`)).arrayBuffer();
    python.unpackArchive(new Uint8Array(bytes), "wheel", { extractDir: sitePackages });
  }
  const viz = await Viz.instance();
  python.pyimport("microgradjp.viz").set_layout((dot) => viz.renderString(dot, { format: "svg" }));
  api = python.pyimport("microgradjp.tools.playground");
  examples = {};
  for (const [key, example] of Object.entries(call(() => api.EXAMPLES))) {
    examples[key] = { text: example[0], inputs: example[1], title: example[2], title_ja: example[3] };
    $("example").appendChild(new Option("", key));
  }
  $("example").appendChild(new Option("…", ""));
  document.querySelectorAll("[data-language]").forEach((button) => {
    button.addEventListener("click", () => {
      setLanguage(button.dataset.language);
      showChain($("graph").querySelector("g.picked title")?.textContent ?? null);
      showLoaded();
    });
  });
  document.querySelectorAll("[data-view]").forEach((tab) => {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  });
  $("example").addEventListener("change", () => { if ($("example").value) loadExample($("example").value); });
  $("draw").addEventListener("click", redraw);
  $("expression").addEventListener("keydown", (event) => { if (event.key === "Enter") redraw(); });
  $("expression").addEventListener("input", () => { $("example").value = ""; });
  $("graph").addEventListener("click", (event) => {
    const title = event.target.closest("g.node")?.querySelector("title")?.textContent;
    if (title && shown.boxes[title]) showChain(title);
  });
  $("step").addEventListener("click", descend);
  $("check").addEventListener("click", check);
  $("answer").addEventListener("keydown", (event) => { if (event.key === "Enter") check(); });
  $("reveal").addEventListener("click", () => { practice.reveal(); showPractice(); });
  $("restart").addEventListener("click", startPractice);
  setLanguage(language);
  showView("graph");
  loadExample("apple");
  $("main").hidden = false;
  const seconds = performance.now() / 1000;  // since the page was asked for
  const bytes = performance.getEntriesByType("resource")
    .reduce((sum, entry) => sum + (entry.encodedBodySize || 0), 0);
  $("loaded").dataset.seconds = seconds.toFixed(2);
  $("loaded").dataset.bytes = String(bytes);
  showLoaded();
  $("status").hidden = true;
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  $("status").textContent = `The playground could not start / 起動できませんでした: ${error}`;
  $("status").classList.add("error");
});
