// Share buttons: keep their prefilled text in step with the message box, and copy to the clipboard.
// Each [data-share-group] (a graduate's link card per program, a prompt's share box) works on its
// own: its box, its buttons, its status line. Without JavaScript the links still carry the text
// the page was rendered with.
(function () {
  var reported = {};
  // The hub's special-link buttons tell us the graduate shared (so no reminder goes to them).
  function reportShared(url) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!url || !token || reported[url]) return;
    reported[url] = true;
    fetch(url, { method: "POST", headers: { "X-CSRFToken": token.value }, credentials: "same-origin" }).catch(function () {});
  }
  function shareHref(kind, text, subject) {
    if (kind === "email") return "mailto:?subject=" + encodeURIComponent(subject) + "&body=" + text;
    if (kind === "whatsapp") return "https://wa.me/?text=" + text;
    if (kind === "linkedin") return "https://www.linkedin.com/feed/?shareActive=true&text=" + text;
    if (kind === "x") return "https://x.com/intent/post?text=" + text;
    return null;
  }
  document.querySelectorAll("[data-share-group]").forEach(function (group) {
    var area = group.querySelector("[data-share-text]");
    var status = group.querySelector("[data-copy-status]");
    var subject = group.getAttribute("data-share-subject") || document.title;
    var link = group.getAttribute("data-share-link");
    var missing = group.querySelector("[data-link-missing]");
    // A prompt's box starts empty: until the student writes, the buttons share a neutral line
    // (never the creator's example, as if the student had written it).
    var fallback = group.getAttribute("data-share-fallback");
    function shareText() {
      return fallback !== null && area.value.trim() === "" ? fallback : area.value;
    }
    function update() {
      // The special access comes only through the link: say so if the graduate edits it away.
      if (link && missing) missing.hidden = area.value.indexOf(link) !== -1;
      var text = encodeURIComponent(shareText());
      group.querySelectorAll("[data-share]").forEach(function (link) {
        var href = shareHref(link.getAttribute("data-share"), text, subject);
        if (href) link.href = href;
      });
    }
    if (area) {
      area.addEventListener("input", update);
      update(); // a browser may restore what was typed before a reload or "back"
    }
    group.querySelectorAll("[data-shared-url]").forEach(function (el) {
      el.addEventListener("click", function () { reportShared(el.getAttribute("data-shared-url")); });
    });
    group.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = button.getAttribute("data-copy-target");
        var node = target ? group.querySelector(target) : area;
        if (!node) return;
        var text = node === area ? shareText() : node.value !== undefined ? node.value : node.textContent;
        function done(ok) { if (status) status.textContent = ok ? "Copied." : "Select the text and copy it."; }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, function () { if (node.select) node.select(); done(false); });
        } else {
          if (node.select) node.select();
          try { done(document.execCommand("copy")); } catch (e) { done(false); }
        }
      });
    });
  });
})();
