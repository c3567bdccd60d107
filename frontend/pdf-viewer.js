// A small PDF viewer on pdf.js, for devices without a PDF reader: one page at a time drawn on a
// canvas, with its text laid over it (to select, search and read aloud), previous/next, a page
// number, zoom and fit-to-width, and the arrow keys. Loaded only on pages that show a PDF
// (learning/pdf_viewer.html); pdf.js itself and its worker, character maps and standard fonts
// are static files of the box, so nothing is fetched from elsewhere. The viewer stays hidden
// when anything fails: the download link under it always works.

const ZOOM_STEP = 1.25;
const ZOOM_MIN = 0.25;
const ZOOM_MAX = 4;
const MAX_CANVAS_PIXELS = 8 * 1024 * 1024; // cheap tablets run out of memory on huge canvases

const root = document.querySelector("[data-pdf-viewer]");
if (root) start(root);

function part(name) {
  return root.querySelector(`[data-pdf="${name}"]`);
}

async function start(root) {
  const { src, pdfjs, worker, assets } = root.dataset;
  const status = part("status");
  let lib;
  try {
    lib = await import(pdfjs);
  } catch (error) {
    console.error(error);
    return; // too old a browser for pdf.js: the download link stays
  }
  lib.GlobalWorkerOptions.workerSrc = worker;
  root.hidden = false;
  status.textContent = root.dataset.loading;

  let pdf;
  try {
    pdf = await lib.getDocument({
      url: src,
      // The box's Content-Security-Policy forbids eval and WebAssembly: pdf.js then uses its
      // plain JavaScript paths (fonts, PostScript functions, image decoders).
      isEvalSupported: false,
      useWasm: false,
      enableXfa: false,
      cMapUrl: `${assets}cmaps/`,
      cMapPacked: true,
      standardFontDataUrl: `${assets}standard_fonts/`,
      wasmUrl: `${assets}wasm/`,
    }).promise;
  } catch (error) {
    console.error(error);
    status.textContent = root.dataset.failed;
    part("bar").hidden = true;
    part("stage").hidden = true;
    return;
  }
  status.textContent = "";
  new Viewer(lib, pdf).show(1);
}

class Viewer {
  constructor(lib, pdf) {
    this.lib = lib;
    this.pdf = pdf;
    this.number = 1;
    this.token = 0; // the latest page asked for wins
    this.zoom = null; // null: fit the width of the page to the screen
    this.drawing = null;
    this.textLayer = null;
    this.stage = part("stage");
    this.sheet = part("sheet");
    this.canvas = part("canvas");
    this.text = part("text");
    this.input = part("page");
    this.input.max = String(pdf.numPages);
    part("count").textContent = String(pdf.numPages);

    part("previous").addEventListener("click", () => this.show(this.number - 1));
    part("next").addEventListener("click", () => this.show(this.number + 1));
    this.input.addEventListener("change", () => this.show(Number(this.input.value) || 1));
    part("zoom-in").addEventListener("click", () => this.setZoom(this.scale * ZOOM_STEP));
    part("zoom-out").addEventListener("click", () => this.setZoom(this.scale / ZOOM_STEP));
    part("fit").addEventListener("click", () => this.setZoom(null));
    root.addEventListener("keydown", (event) => this.key(event));
    let resizing = 0;
    window.addEventListener("resize", () => {
      if (this.zoom !== null) return;
      clearTimeout(resizing);
      resizing = setTimeout(() => this.show(this.number), 200);
    });
  }

  key(event) {
    if (event.target === this.input || event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowLeft: -1, PageUp: -1, ArrowRight: 1, PageDown: 1 };
    if (event.key in moves) this.show(this.number + moves[event.key]);
    else if (event.key === "Home") this.show(1);
    else if (event.key === "End") this.show(this.pdf.numPages);
    else if (event.key === "+" || event.key === "=") this.setZoom(this.scale * ZOOM_STEP);
    else if (event.key === "-") this.setZoom(this.scale / ZOOM_STEP);
    else return;
    event.preventDefault();
  }

  setZoom(zoom) {
    this.zoom = zoom === null ? null : Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, zoom));
    part("fit").setAttribute("aria-pressed", String(this.zoom === null));
    this.show(this.number);
  }

  async show(number) {
    this.number = Math.min(this.pdf.numPages, Math.max(1, Math.round(number)));
    this.input.value = String(this.number);
    part("previous").disabled = this.number === 1;
    part("next").disabled = this.number === this.pdf.numPages;
    const token = ++this.token;
    const page = await this.pdf.getPage(this.number);
    if (token !== this.token) return; // another page or zoom was asked for meanwhile
    this.drawing?.cancel();
    this.textLayer?.cancel();

    const natural = page.getViewport({ scale: 1 });
    const room = this.stage.clientWidth || natural.width;
    this.scale = this.zoom ?? room / natural.width;
    const viewport = page.getViewport({ scale: this.scale });
    const ratio = Math.min(
      window.devicePixelRatio || 1,
      Math.sqrt(MAX_CANVAS_PIXELS / (viewport.width * viewport.height)),
    );
    this.canvas.width = Math.floor(viewport.width * ratio);
    this.canvas.height = Math.floor(viewport.height * ratio);
    this.canvas.style.width = `${Math.floor(viewport.width)}px`;
    this.canvas.style.height = `${Math.floor(viewport.height)}px`;
    this.sheet.style.setProperty("--total-scale-factor", String(this.scale));

    this.drawing = page.render({
      canvasContext: this.canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    });
    this.text.replaceChildren();
    this.textLayer = new this.lib.TextLayer({
      textContentSource: page.streamTextContent(),
      container: this.text,
      viewport,
    });
    try {
      await Promise.all([this.drawing.promise, this.textLayer.render()]);
      this.sheet.dataset.rendered = String(this.number);
    } catch (error) {
      if (!(error instanceof this.lib.RenderingCancelledException) && error?.name !== "AbortException") {
        console.error(error);
      }
    }
  }
}
