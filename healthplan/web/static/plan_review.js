/* The review page (规划核对): a row of the extracted tables and its source line find each other.
   Clicking a line link or working in a row scrolls the source pane to that line and highlights it;
   clicking a numbered source line scrolls the tables pane to its row. Edited cells are marked. */
(function () {
  "use strict";
  var source = document.getElementById("source-pane");
  var tables = document.getElementById("tables-pane");
  if (!source || !tables) { return; }

  function centre(pane, el) {
    var top = el.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
    pane.scrollTop = Math.max(0, top - pane.clientHeight / 2);
  }

  function showLine(n) {
    var el = document.getElementById("L" + n);
    if (!el) { return; }
    Array.prototype.forEach.call(source.querySelectorAll(".ln.hl"), function (x) { x.classList.remove("hl"); });
    el.classList.add("hl");
    centre(source, el);
  }

  function activate(row) {
    Array.prototype.forEach.call(tables.querySelectorAll("tr.active"), function (x) { x.classList.remove("active"); });
    row.classList.add("active");
  }

  tables.addEventListener("click", function (ev) {
    var link = ev.target.closest("a.src-link");
    if (link) {
      ev.preventDefault();
      showLine(link.dataset.line);
      var row = link.closest("tr");
      if (row) { activate(row); }
    }
  });

  tables.addEventListener("focusin", function (ev) {
    var row = ev.target.closest("tr[data-line]");
    if (row) { activate(row); showLine(row.dataset.line); }
  });

  tables.addEventListener("input", function (ev) {
    if (ev.target.classList.contains("cell-input")) {
      ev.target.classList.add("changed");
      ev.target.classList.remove("invalid");
    }
  });

  source.addEventListener("click", function (ev) {
    var ln = ev.target.closest(".ln.has-row");
    if (!ln) { return; }
    var row = tables.querySelector('tr[data-line="' + ln.dataset.line + '"]');
    if (row) { activate(row); centre(tables, row); showLine(ln.dataset.line); }
  });

  // the form reloads the page: keep both panes where the user left them
  var key = "review:" + location.pathname;
  var form = document.getElementById("review-form");
  if (form) {
    form.addEventListener("submit", function () {
      var active = tables.querySelector("tr.active");
      try {
        sessionStorage.setItem(key, JSON.stringify({ t: tables.scrollTop, s: source.scrollTop,
                                                     row: active ? active.id : null }));
      } catch (e) { /* storage off: nothing kept */ }
    });
  }
  var kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(key) || "null"); sessionStorage.removeItem(key); } catch (e) { kept = null; }
  if (kept) {
    tables.scrollTop = kept.t || 0;
    source.scrollTop = kept.s || 0;
    var row = kept.row && document.getElementById(kept.row);
    if (row) { activate(row); showLine(row.dataset.line); }
  }

  var first = tables.querySelector(".cell-input.invalid");  // after a refusal: the first bad cell
  if (first) { first.focus(); }
})();
