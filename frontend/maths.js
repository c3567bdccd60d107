// Maths typeset by KaTeX, on the pages that hold TeX (app.js loads this file only there).
// Moodle's conventions: \( … \) inline, \[ … \] and $$ … $$ displayed. A formula KaTeX cannot
// read stays as its TeX source; KaTeX may not fetch anything (`trust` stays off).
import renderMathInElement from "katex/contrib/auto-render";

const content = document.getElementById("content");
if (content) {
  renderMathInElement(content, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    strict: false,
    errorCallback: (message, error) => console.warn(message, error),
  });
}
