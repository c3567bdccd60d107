// Builds the box's own CSS and JavaScript into cartable/static/dist (minified, no source maps
// shipped to learners' devices). Third-party front-end libraries are added to package.json and
// copied from node_modules here, never committed and never fetched at run time.
//
// Every page loads app.css and app.js, so they stay small. The rest loads only where needed:
// maths.js/maths.css (KaTeX, on pages holding TeX: app.js knows their names, which carry a hash
// of their content) and pdf-viewer.js/.css with pdf.js under dist/pdfjs (on PDF activities).
import { build } from "esbuild";
import { cp, mkdir, rm } from "node:fs/promises";
import { basename } from "node:path";

const outdir = "cartable/static/dist";
const browsers = ["es2017", "chrome61", "firefox60", "safari11"];
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "info" };
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

// KaTeX: its script and stylesheet, and the fonts the stylesheet names (font-src 'self').
const maths = await build({
  ...common,
  entryPoints: ["frontend/maths.js", "frontend/maths.css"],
  outdir,
  entryNames: "[name]-[hash]",
  assetNames: "katex/[name]-[hash]",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
  target: browsers,
  metafile: true,
});
const built = Object.keys(maths.metafile.outputs).map((path) => basename(path));
const named = (prefix, suffix) => built.find((name) => name.startsWith(prefix) && name.endsWith(suffix));

await build({
  ...common,
  entryPoints: ["frontend/app.css", "frontend/app.js"],
  outdir,
  target: browsers,
  define: {
    MATHS_JS: JSON.stringify(named("maths-", ".js")),
    MATHS_CSS: JSON.stringify(named("maths-", ".css")),
  },
});

// The PDF viewer: a module that imports pdf.js (below) when it runs; pdf.js needs a browser
// with modules anyway.
await build({
  ...common,
  entryPoints: ["frontend/pdf-viewer.js", "frontend/pdf-viewer.css"],
  outdir,
  format: "esm",
  target: ["es2020", "chrome80", "firefox78", "safari14"],
});

// pdf.js as its authors build it: the "legacy" build, which supports older browsers than the
// modern one. Renamed .js (module scripts need a JavaScript type, and .mjs is not one in every
// server's table). Character maps and standard fonts are fetched by pdf.js only when a PDF
// needs them; of the WebAssembly decoders only the JavaScript fallback is kept (the box's
// Content-Security-Policy forbids WebAssembly; pdf.js runs with `useWasm: false`).
const pdfjs = "node_modules/pdfjs-dist";
const pdfOut = `${outdir}/pdfjs`;
await mkdir(`${pdfOut}/wasm`, { recursive: true });
await cp(`${pdfjs}/legacy/build/pdf.min.mjs`, `${pdfOut}/pdf.js`);
await cp(`${pdfjs}/legacy/build/pdf.worker.min.mjs`, `${pdfOut}/pdf.worker.js`);
await cp(`${pdfjs}/cmaps`, `${pdfOut}/cmaps`, { recursive: true });
await cp(`${pdfjs}/standard_fonts`, `${pdfOut}/standard_fonts`, { recursive: true });
for (const name of ["openjpeg_nowasm_fallback.js", "LICENSE_OPENJPEG", "LICENSE_PDFJS_OPENJPEG"]) {
  await cp(`${pdfjs}/wasm/${name}`, `${pdfOut}/wasm/${name}`);
}
await cp(`${pdfjs}/LICENSE`, `${pdfOut}/LICENSE`);
await cp("node_modules/katex/LICENSE", `${outdir}/katex/LICENSE`);
