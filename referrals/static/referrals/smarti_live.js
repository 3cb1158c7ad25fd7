// The SMART-I report while a creator edits the referral ask: after a pause in typing, the ask and
// the program's mission go to the admin's check endpoint; the six criteria appear under the body.
(function () {
  var script = document.currentScript;
  var url = script && script.getAttribute("data-check-url");
  if (!url) return;
  var PREFIX = "referral_plans-0-";
  var WATCH = /^(referral_plans-0-|reward_tiers-|mission_)/;
  var timer;
  function val(name) {
    var el = document.querySelector("[name='" + name + "']");
    return el ? el.value : "";
  }
  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  // After a failed publish the field already shows the SMART-I reasons (the server's error, which
  // works without JavaScript): the live report would say the same again, so it waits for an edit,
  // and from then on replaces that error, which no longer matches the text.
  function serverError(body) {
    var field = body.closest("[data-field]") || body.parentNode;
    var errors = field && field.querySelector("[data-field-errors]");
    return errors && /SMART-I/.test(errors.textContent) ? errors : null;
  }
  var edited = false;
  function show(report) {
    var body = document.querySelector("[name='" + PREFIX + "ask_body']");
    if (!body) return;
    var error = serverError(body);
    if (error && !edited) return;
    if (error) error.hidden = true;
    var box = document.getElementById("smarti-report");
    if (!box) {
      box = document.createElement("div");
      box.id = "smarti-report";
      box.className = "help";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      body.parentNode.appendChild(box);
    }
    box.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "SMART-I: " + report.score + "/6";
    box.appendChild(title);
    var list = document.createElement("ul");
    Object.keys(report.criteria).forEach(function (name) {
      var c = report.criteria[name];
      var li = document.createElement("li");
      li.textContent = (c.met ? "✓ " : "✗ ") + c.reason;
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  // The thank-you tiers the ask promises instead of the plan's words (deleted ones left out).
  function tiers() {
    var out = [];
    document.querySelectorAll("[name^='reward_tiers-'][name$='-friends']").forEach(function (el) {
      var prefix = el.name.slice(0, -"friends".length);
      var gone = document.querySelector("[name='" + prefix + "DELETE']");
      if (gone && (gone.value === "1" || gone.checked)) return;
      out.push({ friends: el.value, description: val(prefix + "description") });
    });
    return out;
  }
  function check() {
    if (!document.querySelector("[name='" + PREFIX + "ask_body']")) return;
    var payload = {
      ask_subject: val(PREFIX + "ask_subject"),
      ask_body: val(PREFIX + "ask_body"),
      ask_count_min: val(PREFIX + "ask_count_min"),
      ask_count_max: val(PREFIX + "ask_count_max"),
      ask_window_days: val(PREFIX + "ask_window_days"),
      friend_offer_text: val(PREFIX + "friend_offer_text"),
      thank_you_text: val(PREFIX + "thank_you_text"),
      reward_kind: val(PREFIX + "reward_kind"),
      tiers: tiers(),
      mission_statement: val("mission_statement"),
      mission_unit: val("mission_unit"),
      mission_goal: val("mission_goal"),
      mission_start_count: val("mission_start_count"),
      page_id: (/\/pages\/(\d+)\/edit\//.exec(window.location.pathname) || [])[1] || "",
    };
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(payload),
      credentials: "same-origin",
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (report) { if (report) show(report); })
      .catch(function () {});
  }
  document.addEventListener("input", function (event) {
    if (!WATCH.test(event.target.name || "")) return;
    edited = true;
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", check);
  else check();
})();
