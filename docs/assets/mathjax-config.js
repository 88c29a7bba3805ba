// MathJax 2 configuration of the site, read by assets/mathjax/MathJax.js (which docs/hooks.py copies into the site
// from the jupyter-server-mathjax package: Jupyter's own offline MathJax, set up here as Jupyter sets it up). It
// typesets what pymdownx.arithmatex marks (class "arithmatex", with \( \) and \[ \] delimiters) and the LaTeX
// outputs of the notebook page ($ and $$ there).
window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],  // TeX input, HTML-CSS output, AMS macros: all in one file
  tex2jax: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    ignoreClass: ".*",
    processClass: "arithmatex|jp-RenderedLatex|jp-RenderedMarkdown|jp-RenderedHTMLCommon"
  },
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},  // the fonts it ships
  messageStyle: "none"
};
