import AttendImage
import Foundation

// MARK: - ServePage

/// `GET /`: one self-contained page (no CDN, no other request than the API's), embedded in the binary.
///
/// Drop, choose or paste a JPEG or PNG; the page posts it to `/v1/caption` and shows the caption as a row
/// of words. Pointing at a word (hover, tap, focus, or ←/→ once one has focus) draws that word's attention
/// over the photo, computed as the PNG sheet computes it (`AttentionMap`): each G × G map upsampled in
/// the model's square (bilinear, cell centres, edges flat), blurred by σ = 20/224 of the side with the
/// kernel renormalised at the borders, stretched to the photo's aspect, divided by its maximum, then
/// viridis blended at ½ over the photo; a hard-attention model's word also outlines its cell (`location`).
/// "Download sheet" fetches `/v1/overlay` for the same file. Under the caption, for a model with a classifier or
/// presence heads, what grounded the words: the labels the classifier sees and the objects its heads call absent;
/// "Grounded" off asks for the decoder alone (`labels=0`).
enum ServePage {
    /// The page, with the sheet's own colour map written into it (one definition of viridis).
    static let html = template.replacingOccurrences(
        of: "/*VIRIDIS*/[]",
        with: "[" + ColorMap.viridis.controlPoints.map { "[\($0.0),\($0.1),\($0.2)]" }.joined(separator: ",") + "]")

    private static let template = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>attend — where each word looked</title>
<style>
  :root { --ink: #1d1d1f; --quiet: #5f6368; --paper: #fafaf7; --line: #d9d9d4; --accent: #21918c; --bad: #b3261e; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
         background: var(--paper); }
  main { max-width: 760px; margin: 0 auto; padding: 16px; }
  h1 { font-size: 1.35rem; margin: 0 0 4px; }
  p.lead { margin: 0 0 14px; color: var(--quiet); }
  #drop { display: block; border: 2px dashed var(--line); border-radius: 10px; padding: 22px 16px; text-align: center;
          cursor: pointer; background: #fff; }
  #drop:focus-within, #drop.over { border-color: var(--accent); outline: none; background: #f1faf9; }
  #drop strong { color: var(--accent); }
  #file { position: absolute; width: 1px; height: 1px; opacity: 0; }
  .controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 10px 0; color: var(--quiet); }
  select, button { font: inherit; }
  #status { min-height: 1.5em; margin: 8px 0; color: var(--quiet); }
  #status.error { color: var(--bad); font-weight: 600; }
  #result[hidden] { display: none; }
  figure { margin: 0; }
  /* The whole photo, its words and their figures fit one screen: the photo yields height first. */
  canvas#view { display: block; margin: 0 auto; max-width: 100%; max-height: 52vh; width: auto; height: auto;
                border-radius: 8px; background: #ddd; touch-action: manipulation; }
  #caption { font-size: 1.2rem; margin: 12px 0 6px; }
  #words { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; padding: 0; }
  #words button { border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 6px 10px; cursor: pointer;
                  min-height: 40px; }
  #words button[aria-pressed="true"] { background: var(--ink); color: #fff; border-color: var(--ink); }
  #words button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  #words button.end { font-style: italic; color: var(--quiet); }
  #words button.end[aria-pressed="true"] { color: #fff; }
  #grounding { margin: 0 0 10px; color: var(--quiet); font-size: .95rem; }
  #grounding[hidden] { display: none; }
  #grounding b { color: var(--ink); font-weight: 600; }
  #detail { margin: 10px 0; min-height: 1.5em; font-variant-numeric: tabular-nums; }
  .bar { display: inline-block; vertical-align: middle; width: 80px; height: 8px; background: var(--line); border-radius: 4px;
         overflow: hidden; margin: 0 6px; }
  .bar i { display: block; height: 100%; background: var(--ink); }
  #download { margin-top: 6px; padding: 8px 14px; border-radius: 6px; border: 1px solid var(--ink); background: #fff;
              cursor: pointer; min-height: 40px; }
  .legend { color: var(--quiet); font-size: .9rem; margin-top: 10px; }
  .ramp { display: inline-block; width: 90px; height: 10px; vertical-align: middle; border: 1px solid var(--line);
          background: linear-gradient(90deg, #440154, #414487, #2a788e, #22a884, #7ad151, #fde725); }
  kbd { border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; font-size: .85em; }
  @media (max-width: 480px) { main { padding: 10px; } h1 { font-size: 1.15rem; } #caption { font-size: 1.05rem; } }
</style>
</head>
<body>
<main>
  <h1>attend — where each word looked</h1>
  <p class="lead">Caption a photo, then point at a word to see where the model looked for it.</p>
  <label id="drop" for="file">
    <input id="file" type="file" accept="image/jpeg,image/png">
    <strong>Choose a JPEG or PNG</strong>, drop it here, or paste one (<kbd>Ctrl</kbd>+<kbd>V</kbd>).
  </label>
  <div class="controls">
    <label>Beam <select id="beam" aria-label="Beam width">
      <option value="1">1 (greedy)</option><option value="3" selected>3</option><option value="5">5</option>
    </select></label>
    <label><input id="grounded" type="checkbox" checked> Grounded in what the encoder sees</label>
    <span id="model"></span>
  </div>
  <div id="status" role="status" aria-live="polite"></div>
  <section id="result" hidden aria-label="Result">
    <figure>
      <canvas id="view" width="640" height="480" role="img" aria-label="The photo"></canvas>
    </figure>
    <p id="caption"></p>
    <p id="grounding" hidden></p>
    <div id="words" role="toolbar" aria-label="Words of the caption: arrow keys move between them"></div>
    <div id="detail" aria-live="polite"></div>
    <button id="download" type="button">Download sheet (PNG)</button>
    <p class="legend">Attention, each word's map divided by its maximum: 0 <span class="ramp"></span> 1.
      β: how much the word looked at the image at all. <kbd>←</kbd> <kbd>→</kbd> move between words,
      <kbd>Esc</kbd> shows the photo alone.</p>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const state = { file: null, photo: null, result: null, maps: [], selected: -1, ops: null };
const MAX_SIDE = 640;   // canvas pixels along the photo's longer side

// ---- Viridis: ColorMap.viridis's control points, written in by the server; linear between them.
const VIRIDIS = /*VIRIDIS*/[];
function viridis(v) {
  const x = Math.min(1, Math.max(0, v)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

// ---- Smoothing, as AttentionSmoother: one (size × G) operator per axis.
// Bilinear upsampling of G cells to S = 16·G (cell centres, edges flat), a Gaussian of σ = 20/224·S
// renormalised inside [0, S), then a bilinear stretch to `size` pixels.
function bilinear(count, from) {            // (count × from): sample `from` values at `count` cell centres
  const m = new Float64Array(count * from);
  for (let i = 0; i < count; i++) {
    let u = (i + 0.5) * from / count - 0.5;
    u = Math.min(from - 1, Math.max(0, u));
    const j = Math.floor(u), f = u - j, k = Math.min(from - 1, j + 1);
    m[i * from + j] += 1 - f; m[i * from + k] += f;
  }
  return m;
}
function axisOperator(grid, size) {
  const S = 16 * grid, sigma = 20 / 224 * S, radius = Math.ceil(3 * sigma);
  const up = bilinear(S, grid);                       // (S, G)
  const blurred = new Float64Array(S * grid);         // (S, G): Gaussian · up
  for (let s = 0; s < S; s++) {
    let total = 0;
    for (let t = Math.max(0, s - radius); t <= Math.min(S - 1, s + radius); t++) {
      const w = Math.exp(-((s - t) ** 2) / (2 * sigma * sigma));
      total += w;
      for (let g = 0; g < grid; g++) blurred[s * grid + g] += w * up[t * grid + g];
    }
    for (let g = 0; g < grid; g++) blurred[s * grid + g] /= total;
  }
  const stretch = bilinear(size, S);                  // (size, S)
  const op = new Float64Array(size * grid);           // (size, G)
  for (let x = 0; x < size; x++)
    for (let s = 0; s < S; s++) {
      const w = stretch[x * S + s];
      if (w !== 0) for (let g = 0; g < grid; g++) op[x * grid + g] += w * blurred[s * grid + g];
    }
  return op;
}
// The (H × W) map of one word, divided by its maximum: My · A · Mxᵀ.
function smoothed(attention, grid, W, H) {
  if (!state.ops || state.ops.key !== `${grid}:${W}:${H}`) {
    state.ops = { key: `${grid}:${W}:${H}`, x: axisOperator(grid, W), y: axisOperator(grid, H) };
  }
  const { x: mx, y: my } = state.ops, rows = new Float64Array(H * grid), out = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let r = 0; r < grid; r++) {
      const w = my[y * grid + r];
      if (w !== 0) for (let c = 0; c < grid; c++) rows[y * grid + c] += w * attention[r][c];
    }
  let largest = 0;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let sum = 0;
      for (let c = 0; c < grid; c++) sum += rows[y * grid + c] * mx[x * grid + c];
      out[y * W + x] = sum;
      if (sum > largest) largest = sum;
    }
  if (largest > 0) for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i] / largest);
  return out;
}

// ---- Drawing
function draw() {
  const canvas = $("view"), ctx = canvas.getContext("2d");
  ctx.drawImage(state.photo, 0, 0, canvas.width, canvas.height);
  const i = state.selected;
  canvas.dataset.word = String(i);
  if (i < 0 || !state.result) { canvas.setAttribute("aria-label", "The photo"); return; }
  const word = state.result.words[i], W = canvas.width, H = canvas.height;
  if (!state.maps[i]) state.maps[i] = smoothed(word.attention, state.result.grid, W, H);
  const map = state.maps[i], pixels = ctx.getImageData(0, 0, W, H), d = pixels.data;
  for (let p = 0; p < W * H; p++) {             // heat: ½ photo + ½ viridis(value), as OverlayStyle.heat
    const [r, g, b] = viridis(map[p]);
    d[4 * p] = 0.5 * d[4 * p] + 0.5 * r; d[4 * p + 1] = 0.5 * d[4 * p + 1] + 0.5 * g; d[4 * p + 2] = 0.5 * d[4 * p + 2] + 0.5 * b;
  }
  ctx.putImageData(pixels, 0, 0);
  if (word.location) {                           // a hard-attention model: the cell the word's context came from
    const [r, c] = word.location, g = state.result.grid, x0 = Math.floor(c * W / g), y0 = Math.floor(r * H / g);
    ctx.strokeStyle = "rgb(255, 64, 64)"; ctx.lineWidth = Math.max(1, Math.floor(Math.max(W, H) / 112));
    ctx.strokeRect(x0 + ctx.lineWidth / 2, y0 + ctx.lineWidth / 2, Math.floor((c + 1) * W / g) - x0 - ctx.lineWidth,
                   Math.floor((r + 1) * H / g) - y0 - ctx.lineWidth);
  }
  canvas.setAttribute("aria-label", `Where the model looked for “${word.word}”`);
}

function select(i, focus) {
  state.selected = i;
  const buttons = [...$("words").children];
  buttons.forEach((b, j) => { b.setAttribute("aria-pressed", String(j === i)); b.tabIndex = (j === Math.max(0, i)) ? 0 : -1; });
  if (focus && buttons[i]) buttons[i].focus();
  const detail = $("detail");
  if (i < 0) { detail.textContent = "Point at a word to see where it looked."; }
  else {
    const w = state.result.words[i], p = Math.exp(w.logprob), beta = Math.min(1, Math.max(0, w.beta));
    detail.innerHTML = "";
    const name = document.createElement("strong"); name.textContent = w.word;
    detail.append(name, `  p = ${p.toFixed(3)}  ·  β = ${beta.toFixed(2)}`
      + (w.location ? `  ·  cell row ${w.location[0] + 1}, column ${w.location[1] + 1}` : ""));
    const bar = document.createElement("span"); bar.className = "bar"; bar.setAttribute("aria-hidden", "true");
    const fill = document.createElement("i"); fill.style.width = `${(beta * 100).toFixed(0)}%`; bar.append(fill);
    detail.append(bar);
  }
  draw();
}

function showResult(result) {
  state.result = result; state.maps = []; state.selected = -1;
  $("caption").textContent = result.caption || "(no words)";
  showGrounding(result);
  const words = $("words"); words.innerHTML = "";
  result.words.forEach((w, i) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = w.word; b.setAttribute("aria-pressed", "false"); b.tabIndex = i === 0 ? 0 : -1;
    if (w.word === "<end>") { b.className = "end"; b.title = "the step that ended the caption"; }
    b.addEventListener("mouseenter", () => select(i, false));
    b.addEventListener("focus", () => { if (state.selected !== i) select(i, false); });
    b.addEventListener("click", () => select(i, false));
    words.append(b);
  });
  $("result").hidden = false;
  select(-1, false);
}

// What grounded the words: "Sees cat 98% (Egyptian cat 87%). Called absent, so not named: person, bicycle, car and
// 22 more."
function showGrounding(result) {
  const line = $("grounding"), labels = result.labels || [], absent = result.absent || [];
  line.textContent = "";
  const percent = (p) => `${Math.round(100 * p)}%`;
  if (labels.length > 0) {
    line.append("Sees ");
    labels.forEach((label, i) => {
      const word = document.createElement("b"); word.textContent = label.word;
      const top = (label.classes || [])[0];
      const classes = top && top.name !== label.word ? ` (${top.name} ${percent(top.probability)})` : "";
      line.append(i > 0 ? ", " : "", word, ` ${percent(label.probability)}${classes}`);
    });
    line.append(". ");
  }
  if (absent.length > 0) {   // the heads' order, person first; the whole list on hover
    const names = document.createElement("b"); names.textContent = absent.slice(0, 3).join(", ");
    names.title = absent.join(", ");
    const more = absent.length > 3 ? ` and ${absent.length - 3} more` : "";
    line.append("Called absent, so not named: ", names, `${more}.`);
  }
  line.hidden = labels.length === 0 && absent.length === 0;
}

$("words").addEventListener("keydown", (e) => {
  const n = state.result ? state.result.words.length : 0, i = state.selected;
  let next = null;
  if (e.key === "ArrowRight" || e.key === "ArrowDown") next = Math.min(n - 1, i + 1);
  else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = Math.max(0, i - 1);
  else if (e.key === "Home") next = 0;
  else if (e.key === "End") next = n - 1;
  else if (e.key === "Escape") { select(-1, false); e.preventDefault(); return; }
  if (next !== null && n > 0) { e.preventDefault(); select(next, true); }
});

// ---- Talking to the service
function setStatus(text, isError) { const s = $("status"); s.textContent = text; s.className = isError ? "error" : ""; s.setAttribute("role", isError ? "alert" : "status"); }
function query() { return `?beam=${encodeURIComponent($("beam").value)}&labels=${$("grounded").checked ? 1 : 0}`; }
function contentType(file) { return /^image\/(jpeg|png)$/.test(file.type) ? file.type : "application/octet-stream"; }
async function refusal(response) {
  try { const body = await response.json(); if (body && body.error) return `${body.error} (HTTP ${response.status})`; } catch (_) {}
  return `the server answered HTTP ${response.status}`;
}

async function loadPhoto(file) {
  try { return await createImageBitmap(file); } catch (_) { return null; }   // EXIF orientation applied, as the server does
}

async function caption(file) {
  state.file = file;
  setStatus(`Captioning ${file.name || "the pasted image"}…`, false);
  const [response, photo] = await Promise.all([
    fetch("/v1/caption" + query(), { method: "POST", headers: { "Content-Type": contentType(file) }, body: file })
      .catch(() => null),
    loadPhoto(file)]);
  if (!response) { setStatus("Refused: the server could not be reached.", true); return; }
  if (!response.ok) { setStatus(`Refused: ${await refusal(response)}`, true); $("result").hidden = true; return; }
  const result = await response.json();
  if (!photo) { setStatus("The server captioned it, but this browser cannot show the picture.", true); return; }
  state.photo = photo;
  // As the sheet's displaySize: the longer side MAX_SIDE pixels, aspect kept (small pictures enlarged).
  const scale = MAX_SIDE / Math.max(photo.width, photo.height);
  $("view").width = Math.max(1, Math.round(photo.width * scale));
  $("view").height = Math.max(1, Math.round(photo.height * scale));
  showResult(result);
  setStatus(`${result.words.length} steps, grid ${result.grid} × ${result.grid}.`, false);
}

$("file").addEventListener("change", (e) => { const f = e.target.files[0]; if (f) caption(f); });
$("beam").addEventListener("change", () => { if (state.file) caption(state.file); });
$("grounded").addEventListener("change", () => { if (state.file) caption(state.file); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault(); drop.classList.remove("over");
  const f = e.dataTransfer.files[0]; if (f) caption(f);
});
document.addEventListener("paste", (e) => {
  const item = [...(e.clipboardData || {}).items || []].find((i) => i.kind === "file");
  if (item) { e.preventDefault(); caption(item.getAsFile()); }
});
$("download").addEventListener("click", async () => {
  if (!state.file) return;
  setStatus("Drawing the sheet…", false);
  const response = await fetch("/v1/overlay" + query(), { method: "POST", headers: { "Content-Type": contentType(state.file) }, body: state.file }).catch(() => null);
  if (!response || !response.ok) { setStatus(`Refused: ${response ? await refusal(response) : "the server could not be reached"}`, true); return; }
  const url = URL.createObjectURL(await response.blob()), a = document.createElement("a");
  a.href = url; a.download = (state.file.name || "image").replace(/\.[^.]*$/, "") + "-attention.png";
  document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(url), 10000);
  setStatus("Sheet downloaded.", false);
});
fetch("/healthz").then((r) => r.json()).then((h) => { $("model").textContent = `model: ${h.model}, ${h.grid} × ${h.grid} grid`; }).catch(() => {});
</script>
</body>
</html>
"""#
}
