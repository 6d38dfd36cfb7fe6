/*
 * The preview page's only script. The app drives it with runJavaScript (there is no QWebChannel and no
 * other bridge that page content could reach):
 *
 *   setBlocks(start, [html, ...], total)  blocks start.. become the given HTML; the page keeps `total`
 *   clear()                               empty page
 *   setTheme("dark" | "light" | "auto")   colours; "auto" follows prefers-color-scheme
 *   previewState()                        {blocks, katex, errors, follow} for the app and tests
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
  // again, reuses them instead of running KaTeX once more. Bounded, oldest dropped first.
  const typesetCache = new Map();
  const CACHE_SIZE = 1000;

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

  function typeset(root) {
    if (typeof katex === "undefined") return;
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
        el.replaceChildren(cached.cloneNode(true));
        continue;
      }
      try {
        katex.render(tex, el, Object.assign({}, KATEX_OPTIONS, { displayMode: displayMode }));
        if (el.firstElementChild && !el.querySelector(".katex-error")) {
          typesetCache.set(key, el.firstElementChild.cloneNode(true));
          if (typesetCache.size > CACHE_SIZE) typesetCache.delete(typesetCache.keys().next().value);
        }
      } catch (e) {
        // Not only ParseError: deep nesting can exhaust the stack. Show the source instead.
        errors += 1;
        el.textContent = tex;
        el.classList.add("math-error");
      }
    }
  }

  function makeBlock(html) {
    const div = document.createElement("div");
    div.className = "block";
    div.innerHTML = policy.createHTML(String(html));
    typeset(div);
    return div;
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
    while (children.length > total) content.lastElementChild.remove();
    for (let k = 0; k < blocks.length; k++) {
      const i = start + k;
      if (i >= total) break;
      const block = makeBlock(blocks[k]);
      if (i < children.length) content.replaceChild(block, children[i]);
      else content.appendChild(block);
    }
    if (keepFollowing) scrollToEnd();
    collectSoon();
    return children.length;
  }

  function clear() {
    content.replaceChildren();
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
    };
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

  const api = { setBlocks, clear, setTheme, previewState, setFollow, takeClick, showBlock };
  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(window, name, { value: fn, writable: false, configurable: false });
  }
  document.documentElement.dataset.ready = "1";
})();
