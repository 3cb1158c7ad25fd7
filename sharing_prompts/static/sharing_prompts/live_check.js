// The non-salesy check while a creator edits a program's sharing prompts: after a pause in
// typing, the prompt's subject, ask and example go to the admin's check endpoint and its
// findings appear under the ask. Publishing runs the same check on the server.
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute("data-check-url");
  if (!url) return;
  var FIELD = /^sharing_prompts-(\d+)-(ask|email_subject|example_reflection)$/;
  var timers = {};
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function value(prefix, name) {
    var el = document.querySelector("[name='" + prefix + name + "']");
    return el ? el.value : "";
  }
  function show(prefix, report) {
    var ask = document.querySelector("[name='" + prefix + "ask']");
    if (!ask) return;
    var box = document.getElementById(prefix + "salesy-report");
    if (!box) {
      box = document.createElement("div");
      box.id = prefix + "salesy-report";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      box.className = "help";
      ask.parentNode.appendChild(box);
    }
    box.textContent = "";
    var problems = [];
    Object.keys(report.merge_problems || {}).forEach(function (k) { problems = problems.concat(report.merge_problems[k]); });
    if (!report.salesy && !problems.length) {
      box.textContent = "Non-salesy check: nothing reads as selling.";
      return;
    }
    var title = document.createElement("strong");
    title.textContent = report.salesy ? "Reads as selling:" : "Fix before publishing:";
    box.appendChild(title);
    var list = document.createElement("ul");
    (report.findings || []).forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = "“" + f.phrase + "” — " + f.reason;
      list.appendChild(li);
    });
    problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p;
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  function check(prefix) {
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({
        subject: value(prefix, "email_subject"),
        ask: value(prefix, "ask"),
        example: value(prefix, "example_reflection"),
      }),
      credentials: "same-origin",
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (report) { if (report) show(prefix, report); })
      .catch(function () {});
  }
  function checkAll() {
    document.querySelectorAll("textarea[name^='sharing_prompts-']").forEach(function (el) {
      var match = FIELD.exec(el.name);
      if (match && match[2] === "ask" && !/__prefix__/.test(el.name)) check("sharing_prompts-" + match[1] + "-");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", checkAll);
  else checkAll();
  document.addEventListener("input", function (event) {
    var match = FIELD.exec(event.target.name || "");
    if (!match) return;
    var prefix = "sharing_prompts-" + match[1] + "-";
    clearTimeout(timers[prefix]);
    timers[prefix] = setTimeout(function () { check(prefix); }, 400);
  });
})();
