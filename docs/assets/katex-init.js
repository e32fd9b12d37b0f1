// Typeset the formulas that pymdownx.arithmatex marked (\( … \) inline, \[ … \] displayed), on the
// first load and after each instant navigation of the Material theme.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,
  });
});
