// Builds the box's own CSS and JavaScript into cartable/static/dist (minified, no source maps
// shipped to learners' devices). Third-party front-end libraries are added to package.json and
// copied from node_modules here, never committed and never fetched at run time.
import { build } from "esbuild";
import { mkdir, rm } from "node:fs/promises";

const outdir = "cartable/static/dist";
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

await build({
  entryPoints: ["frontend/app.css", "frontend/app.js"],
  outdir,
  bundle: true,
  minify: true,
  target: ["es2017", "chrome61", "firefox60", "safari11"],
  legalComments: "none",
  logLevel: "info",
});
