// The import's progress, polled from its JSON status without reloading; the summary is a reload
// once it is done. Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var root = document.querySelector("[data-import-status-url]");
  if (!root) return;
  var url = root.getAttribute("data-import-status-url");
  var bar = document.getElementById("import-progress");

  function show(data) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (key in data) el.textContent = String(data[key]);
    });
    if (bar) {
      bar.max = data.total || 1;
      bar.value = data.status === "done" ? bar.max : data.processed;
      bar.textContent = data.percent + "%";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) {
          show(data);
          if (data.finished) { window.location.reload(); return; }
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
