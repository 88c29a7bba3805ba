#!/usr/bin/env node
// Typeset what Jupyter shows with MathJax 3 as JupyterLab 4 configures it, and report what does not render.
//
// Reads JSON on stdin: a list of items, each a string (what `_repr_latex_` returns: JupyterLab puts it in a node as
// text) or {"text": "..."} or {"html": "..."} (what `_repr_html_` returns: put in the node as HTML). Writes JSON on
// stdout: one object per item, {"math": <math items found>, "errors": [<message>, ...], "leftover": "<text outside
// math>"}. An error is an `merror` node (a TeX error, shown by the noerrors package as the source in a red box), an
// undefined control sequence (shown by the noundefined package as its name in red); TeX's own message for each
// follows, from the same input typeset without noerrors/noundefined (e.g. "Undefined control sequence \intertext").
// `leftover` is the text of a text item that MathJax did not take as math (shown to the reader as raw TeX).
//
// Needs mathjax-full 3 in tests/mathjax/node_modules: `npm install --prefix tests/mathjax --no-audit --no-fund`.
'use strict';

const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');
require('mathjax-full/js/input/tex/require/RequireConfiguration.js');

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);

// JupyterLab 4's configuration (packages/mathjax-extension/src/index.ts): every package plus require, `$`/`\(`
// inline, `$$`/`\[` display, escapes and bare environments processed.
const DELIMITERS = {
  inlineMath: [['$', '$'], ['\\(', '\\)']],
  displayMath: [['$$', '$$'], ['\\[', '\\]']],
  processEscapes: true,
  processEnvironments: true,
};
const JUPYTER_PACKAGES = AllPackages.concat('require');
// The same, with TeX errors raised instead of drawn, to name what went wrong.
const STRICT_PACKAGES = JUPYTER_PACKAGES.filter((name) => name !== 'noerrors' && name !== 'noundefined');

function documentFor(item, packages, strictErrors) {
  const tex = new TeX({
    packages,
    ...DELIMITERS,
    formatError: (jax, err) => {
      strictErrors.push(err.message);
      return jax.formatError(err);
    },
  });
  const inner = typeof item === 'string' || item.text !== undefined ? '' : item.html;
  const html = adaptor.parse(`<!DOCTYPE html><html><head></head><body><div>${inner}</div></body></html>`, 'text/html');
  const node = adaptor.childNodes(adaptor.body(html))[0];
  if (!inner) {
    adaptor.append(node, adaptor.text(typeof item === 'string' ? item : item.text));
  }
  const doc = mathjax.document(html, {InputJax: tex, OutputJax: new SVG({fontCache: 'none'})});
  return {doc, node};
}

function nodeErrors(root) {
  const found = [];
  root.walkTree((node) => {
    if (node.isKind('merror')) {
      const message = node.attributes.get('data-mjx-error') || node.attributes.get('title') || 'TeX error';
      found.push(`merror: ${message}`);
    } else if (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red') {
      const text = node.childNodes.map((child) => (child.getText ? child.getText() : '')).join('');
      if (text.startsWith('\\')) {
        found.push(`undefined control sequence ${text} (drawn in red by noundefined)`);
      }
    }
  });
  return found;
}

function textOutside(node) {
  // the text of the node with MathJax's containers left out
  let text = '';
  for (const child of adaptor.childNodes(node)) {
    if (adaptor.kind(child) === '#text') {
      text += adaptor.value(child);
    } else if (adaptor.kind(child) !== 'mjx-container') {
      text += textOutside(child);
    }
  }
  return text;
}

function check(item) {
  const errors = [];
  const {doc, node} = documentFor(item, JUPYTER_PACKAGES, []);  // merror nodes carry these messages
  try {
    doc.render();
  } catch (err) {
    errors.push(`render failed: ${err.message}`);
  }
  let count = 0;
  for (const math of doc.math) {
    count += 1;
    if (math.root) {
      errors.push(...nodeErrors(math.root));
    }
  }
  if (errors.length) {
    // name what went wrong: the same math without noerrors/noundefined raises TeX's own message
    const strict = [];
    const second = documentFor(item, STRICT_PACKAGES, strict);
    try {
      second.doc.findMath().compile();
    } catch (err) {
      strict.push(err.message);
    }
    errors.push(...strict.map((message) => `without noerrors/noundefined: ${message}`));
  }
  const text = typeof item === 'string' || item.text !== undefined;
  return {math: count, errors, leftover: text ? textOutside(node).trim() : ''};
}

function main() {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    input += chunk;
  });
  process.stdin.on('end', () => {
    const items = JSON.parse(input);
    const results = items.map((item) => {
      try {
        return check(item);
      } catch (err) {
        return {math: 0, errors: [`could not typeset: ${err.stack || err.message}`], leftover: ''};
      }
    });
    process.stdout.write(JSON.stringify(results));
  });
}

main();
