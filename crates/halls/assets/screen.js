// The hall's screens: follow the board by server-sent events and redraw what changed.
// Without this script the page reloads itself every ten seconds (a <noscript> refresh).
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-events");
  if (!url || !window.EventSource) { return; }
  function text(el, value) { if (el && el.textContent !== value) { el.textContent = value; } }
  function draw(board) {
    board.windows.forEach(function (w) {
      document.querySelectorAll('[data-window="' + w.number + '"]').forEach(function (box) {
        box.setAttribute("data-open", w.open ? "true" : "false");
        text(box.querySelector(".ticket"), w.ticket || "");
        text(box.querySelector(".name"), w.name || "");
      });
    });
    board.waiting.forEach(function (w) {
      var li = document.querySelector('[data-category="' + w.category + '"] .count');
      text(li, String(w.count));
    });
    var tbody = document.querySelector("#recent tbody");
    if (tbody) {
      var first = tbody.querySelector("td.number");
      var fresh = board.recent.length && (!first || first.textContent !== board.recent[0].number);
      while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
      board.recent.forEach(function (c, i) {
        var tr = document.createElement("tr");
        if (i === 0 && fresh) { tr.className = "fresh"; }
        [["number", c.number], ["window", c.window], ["", c.name]].forEach(function (cell) {
          var td = document.createElement("td");
          if (cell[0]) { td.className = cell[0]; }
          td.textContent = cell[1];
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
    }
    body.setAttribute("data-updated", String(Date.now()));
  }
  var source = new EventSource(url);
  source.onmessage = function (e) {
    try { draw(JSON.parse(e.data)); } catch (err) { /* a malformed board is skipped */ }
  };
})();
