// A milestone's slug follows its title as the creator types ("First calm evening" → first-calm-evening),
// until the creator types in the slug field themselves; a saved milestone's slug is never changed.
(function () {
  function slugify(text) {
    return text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9\s-]/g, "")
      .trim()
      .replace(/[\s-]+/g, "-")
      .slice(0, 60)
      .replace(/-+$/, "");
  }
  function slugFieldFor(titleInput) {
    var match = /^(milestones-\d+-)title$/.exec(titleInput.name || "");
    if (!match) return null;
    return document.querySelector('input[name="' + match[1] + 'slug"][data-slug-from-title]');
  }
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-slug-from-title]")) {
      target.dataset.slugEdited = target.value.trim() ? "1" : ""; // typed by hand: leave it alone
      return;
    }
    var slug = slugFieldFor(target);
    if (!slug || slug.dataset.slugEdited === "1") return;
    // A saved milestone (its slug was there when the page loaded) keeps its slug: the events API uses it.
    if (slug.defaultValue && slug.dataset.slugEdited !== "") return;
    slug.value = slugify(target.value);
    slug.dataset.slugEdited = "";
  });
})();
