/*
 * The preview page's only script. The app drives it with runJavaScript (there is no QWebChannel and no
 * other bridge that page content could reach):
 *
 *   setBlocks(start, [html, ...], total)  blocks start.. become the given HTML; the page keeps `total`;
 *                                         returns once they are laid out (the app's acknowledgement)
 *   setLimits({katexNodes, katexPageNodes, cacheNodes})  the cost budget (core/budget.py)
 *   clear()                               empty page
 *   setTheme("dark" | "light" | "auto")   colours; "auto" follows prefers-color-scheme
 *   previewState()                        {blocks, katex, errors, follow, overBudget, katexNodes,
 *                                         cacheNodes} for the app and tests
 *   setFollow(on)                         whether new blocks scroll the page to its end
 *   takeClick()                           the assembled document's block clicked last, as
 *                                         {page, block}, once (null when none): the app polls it
 *   showBlock(page, block)                scroll to that block and mark it; false when not shown
 *
 * The HTML comes already sanitised (core/render.py); Trusted Types make sure that this file's single
 * innerHTML sink is the only way markup enters the page. Math arrives as escaped TeX in
 * .math.inline / .math.display elements and is typeset with KaTeX in its safe mode.
 */
"use strict";

(function () {
  const content = document.getElementById("content");

  // TeX longer than this is shown as source: KaTeX's cost grows with it and no real formula is near.
  const MAX_TEX = 20000;
  // The cost budget (set by the app from core/budget.py; these are the same numbers). maxExpand counts
  // macro expansions, not their size: a 1.1 KB formula built 59,000 nodes. So KaTeX's output is
  // counted before it is attached; over budget, the formula is shown as its source with a notice.
  // Deep output crashes the renderer outright (200 nested superscripts: SIGSEGV), so its depth is
  // checked too.
  const limits = { katexNodes: 15000, katexDepth: 400, katexPageNodes: 200000, cacheNodes: 60000 };
  const KATEX_OPTIONS = Object.freeze({
    throwOnError: false, // a bad formula shows as red source, never breaks the page
    trust: false, // \href, \url, \includegraphics, \htmlClass... are refused
    strict: "ignore",
    maxExpand: 500, // macro expansion bomb guard
    maxSize: 20, // em; caps \rule and \kern sizes
    output: "htmlAndMathml",
  });

  const policy = window.trustedTypes
    ? window.trustedTypes.createPolicy("glmocr-preview", { createHTML: (s) => s })
    : { createHTML: (s) => s };

  // Typeset formulas by (display, TeX): a finished result re-sent after streaming, or a result shown
  // again, reuses them instead of running KaTeX once more. Bounded by the nodes it holds (streaming a
  // long formula typesets a new prefix of it every update: counted in entries, the cache kept ~800 MB).
  const typesetCache = new Map();
  let cacheNodes = 0;
  function cachePut(key, node, nodes) {
    if (nodes > limits.cacheNodes / 8) return;
    typesetCache.set(key, { node: node, nodes: nodes });
    cacheNodes += nodes;
    while (cacheNodes > limits.cacheNodes && typesetCache.size) {
      const oldest = typesetCache.keys().next().value;
      cacheNodes -= typesetCache.get(oldest).nodes;
      typesetCache.delete(oldest);
    }
  }

  // Replaced blocks are garbage that Chromium would otherwise keep (see gui/webengine.py): collect
  // every so many updates, and once the stream pauses.
  const GC_EVERY = 120;
  let updatesSinceGc = 0;
  let gcTimer = 0;
  function collectSoon() {
    if (typeof window.gc !== "function") return;
    updatesSinceGc += 1;
    if (updatesSinceGc >= GC_EVERY) {
      updatesSinceGc = 0;
      window.gc();
      return;
    }
    clearTimeout(gcTimer);
    gcTimer = setTimeout(() => {
      if (updatesSinceGc > 0) {
        updatesSinceGc = 0;
        window.gc();
      }
    }, 1500);
  }

  let errors = 0;
  let follow = true; // follow the end while the user has not scrolled up

  let overBudget = 0; // formulas shown as source because their output was over budget
  let pageNodes = 0; // KaTeX nodes in the page now (each block keeps its own count)

  function asSource(el, tex, why) {
    overBudget += 1;
    el.textContent = tex;
    el.classList.add("math-over-budget");
    const note = document.createElement("span");
    note.className = "notice";
    note.textContent = " " + why + "; shown as plain text.";
    el.appendChild(note);
  }

  function countNodes(el) {
    return el.getElementsByTagName("*").length;
  }

  function depthOf(root) {
    let deepest = 0;
    const stack = [[root, 0]];
    while (stack.length) {
      const [el, d] = stack.pop();
      if (d > deepest) deepest = d;
      for (let c = el.firstElementChild; c; c = c.nextElementSibling) stack.push([c, d + 1]);
    }
    return deepest;
  }

  // Typesets the block's formulas; returns the KaTeX nodes it added.
  function typeset(root) {
    if (typeof katex === "undefined") return 0;
    let added = 0;
    for (const el of root.querySelectorAll(".math")) {
      const tex = el.textContent;
      if (tex.length > MAX_TEX) {
        el.classList.add("math-error");
        continue;
      }
      const displayMode = el.classList.contains("display");
      const key = (displayMode ? "D" : "I") + tex;
      const cached = typesetCache.get(key);
      if (cached) {
        if (pageNodes + added + cached.nodes > limits.katexPageNodes) {
          asSource(el, tex, "The formulas of this result are too large to typeset together");
          continue;
        }
        el.replaceChildren(cached.node.cloneNode(true));
        added += cached.nodes;
        continue;
      }
      try {
        const out = document.createElement(displayMode ? "div" : "span");
        katex.render(tex, out, Object.assign({}, KATEX_OPTIONS, { displayMode: displayMode }));
        const nodes = countNodes(out);
        if (nodes > limits.katexNodes) {
          asSource(el, tex, "This formula typesets to " + nodes + " elements (at most " + limits.katexNodes + ")");
          continue;
        }
        const depth = depthOf(out);
        if (depth > limits.katexDepth) {
          asSource(el, tex, "This formula typesets " + depth + " levels deep (at most " + limits.katexDepth + ")");
          continue;
        }
        if (pageNodes + added + nodes > limits.katexPageNodes) {
          asSource(el, tex, "The formulas of this result are too large to typeset together");
          continue;
        }
        el.replaceChildren(...out.childNodes);
        added += nodes;
        if (el.firstElementChild && !el.querySelector(".katex-error")) {
          cachePut(key, el.firstElementChild.cloneNode(true), nodes);
        }
      } catch (e) {
        // Not only ParseError: deep nesting can exhaust the stack. Show the source instead.
        errors += 1;
        el.textContent = tex;
        el.classList.add("math-error");
      }
    }
    return added;
  }

  const blockNodes = new WeakMap(); // block element -> KaTeX nodes in it

  function makeBlock(html) {
    const div = document.createElement("div");
    div.className = "block";
    div.innerHTML = policy.createHTML(String(html));
    const nodes = typeset(div);
    blockNodes.set(div, nodes);
    pageNodes += nodes;
    return div;
  }

  function dropped(el) {
    pageNodes -= blockNodes.get(el) || 0;
    blockNodes.delete(el);
  }

  function atEnd() {
    const doc = document.scrollingElement || document.documentElement;
    return doc.scrollTop + doc.clientHeight >= doc.scrollHeight - 24;
  }

  function scrollToEnd() {
    const doc = document.scrollingElement || document.documentElement;
    doc.scrollTop = doc.scrollHeight;
  }

  window.addEventListener(
    "scroll",
    () => {
      follow = atEnd();
    },
    { passive: true }
  );

  function setBlocks(start, blocks, total) {
    start = Math.max(0, start | 0);
    total = Math.max(0, total | 0);
    const keepFollowing = follow;
    const children = content.children;
    while (children.length > total) {
      dropped(content.lastElementChild);
      content.lastElementChild.remove();
    }
    for (let k = 0; k < blocks.length; k++) {
      const i = start + k;
      if (i >= total) break;
      if (i < children.length) {
        dropped(children[i]); // before the new block counts its formulas against the page's budget
        const block = makeBlock(blocks[k]);
        content.replaceChild(block, children[i]);
      } else content.appendChild(makeBlock(blocks[k]));
    }
    if (keepFollowing) scrollToEnd();
    void content.offsetHeight; // lay out now: the answer to this call means the page has done the work
    collectSoon();
    return children.length;
  }

  function clear() {
    content.replaceChildren();
    pageNodes = 0;
    collectSoon();
    follow = true;
    window.scrollTo(0, 0);
    return 0;
  }

  function setTheme(theme) {
    const root = document.documentElement;
    root.classList.toggle("dark", theme === "dark");
    root.classList.toggle("light", theme === "light");
    return theme;
  }

  function previewState() {
    return {
      blocks: content.children.length,
      katex: content.querySelectorAll(".katex").length,
      errors: errors + content.querySelectorAll(".math-error, .katex-error").length,
      follow: follow,
      overBudget: overBudget,
      katexNodes: pageNodes,
      cacheNodes: cacheNodes,
    };
  }

  function setLimits(values) {
    for (const name of Object.keys(limits)) {
      const v = values && values[name];
      if (Number.isInteger(v) && v > 0) limits[name] = v;
    }
    return Object.assign({}, limits);
  }

  function setFollow(on) {
    follow = !!on;
    return follow;
  }

  // Blocks of an assembled document carry data-page / data-block (written by core/render.py, never
  // by model output, which the sanitiser strips of every data attribute). A click is kept here until
  // the app takes it: there is no bridge for the page to call out through.
  let lastClick = null;
  function blockKey(el) {
    const page = parseInt(el.dataset.page, 10);
    const block = parseInt(el.dataset.block, 10);
    return Number.isInteger(page) && Number.isInteger(block) ? { page: page, block: block } : null;
  }

  function mark(el) {
    for (const old of content.querySelectorAll(".doc-block.selected")) old.classList.remove("selected");
    if (el) el.classList.add("selected");
  }

  content.addEventListener("click", (event) => {
    const el = event.target instanceof Element ? event.target.closest(".doc-block") : null;
    const key = el ? blockKey(el) : null;
    if (!key) return;
    mark(el);
    lastClick = key;
  });

  function takeClick() {
    const click = lastClick;
    lastClick = null;
    return click;
  }

  function showBlock(page, block) {
    for (const el of content.querySelectorAll(".doc-block")) {
      const key = blockKey(el);
      if (key && key.page === (page | 0) && key.block === (block | 0)) {
        mark(el);
        follow = false;
        el.scrollIntoView({ block: "center" });
        return true;
      }
    }
    return false;
  }

  const api = { setBlocks, clear, setTheme, previewState, setFollow, takeClick, showBlock, setLimits };
  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(window, name, { value: fn, writable: false, configurable: false });
  }
  document.documentElement.dataset.ready = "1";
})();
