// Progressive enhancement only: every page works without this file.

// A print button on pages meant to be printed (credentials sheets).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Ask before an irreversible-looking action (deactivating an account).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Maths written in TeX, as Moodle does (\( \), \[ \], $$ $$), is typeset by KaTeX, whose script,
// stylesheet and fonts load only on pages that hold some; without JavaScript the TeX stays
// readable. MATHS_JS and MATHS_CSS are file names given by frontend/build.mjs.
const here = document.currentScript && document.currentScript.src; // a classic script's address
const content = document.getElementById("content");
if (here && content && /\\[([]|\$\$/.test(content.textContent)) {
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = new URL(MATHS_CSS, here).href;
  const script = document.createElement("script");
  script.src = new URL(MATHS_JS, here).href;
  document.head.append(sheet, script);
}
