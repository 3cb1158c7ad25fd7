// Share buttons: keep their prefilled text in step with the textarea, and copy to the clipboard.
// Without JavaScript the links still carry the text the page was rendered with.
(function () {
  var area = document.querySelector("[data-share-text]");
  if (!area) return;
  var subject = document.title;
  function update() {
    var text = encodeURIComponent(area.value);
    document.querySelectorAll("[data-share]").forEach(function (link) {
      var kind = link.getAttribute("data-share");
      if (kind === "email") link.href = "mailto:?subject=" + encodeURIComponent(subject) + "&body=" + text;
      if (kind === "whatsapp") link.href = "https://wa.me/?text=" + text;
      if (kind === "linkedin") link.href = "https://www.linkedin.com/feed/?shareActive=true&text=" + text;
      if (kind === "x") link.href = "https://x.com/intent/post?text=" + text;
    });
  }
  area.addEventListener("input", update);
  // The hub's special-link buttons tell us the graduate shared (so no reminder goes to them).
  function reportShared(el) {
    var url = el.getAttribute("data-shared-url");
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !token || reportShared.done) return;
    reportShared.done = true;
    fetch(url, { method: "POST", headers: { "X-CSRFToken": token.value }, credentials: "same-origin" }).catch(function () {});
  }
  document.querySelectorAll("[data-shared-url]").forEach(function (el) {
    el.addEventListener("click", function () { reportShared(el); });
  });
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = button.getAttribute("data-copy-target");
      var node = target ? document.querySelector(target) : area;
      var text = node.value !== undefined ? node.value : node.textContent;
      function done(ok) { if (status) status.textContent = ok ? "Copied." : "Select the text and copy it."; }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { node.select && node.select(); done(false); });
      } else {
        if (node.select) node.select();
        try { done(document.execCommand("copy")); } catch (e) { done(false); }
      }
    });
  });
})();
