// The program editor's milestone slug fields (sharing prompts, feedback) suggest the milestones
// in the Milestones panel of the same page, including ones added but not saved yet.
(function () {
  function milestones() {
    var found = [];
    document.querySelectorAll('input[name^="milestones-"][name$="-slug"]').forEach(function (input) {
      var prefix = input.name.slice(0, -"slug".length);
      var deleted = document.querySelector('input[name="' + prefix + 'DELETE"]');
      if (deleted && (deleted.checked || deleted.value === "1")) return;
      var title = document.querySelector('input[name="' + prefix + 'title"]');
      if (input.value.trim()) found.push({ slug: input.value.trim(), title: title ? title.value.trim() : "" });
    });
    return found;
  }
  function refresh() {
    var list = document.getElementById("program-milestones");
    if (!list) {
      list = document.createElement("datalist");
      list.id = "program-milestones";
      document.body.appendChild(list);
    }
    list.replaceChildren();
    milestones().forEach(function (milestone) {
      var option = document.createElement("option");
      option.value = milestone.slug;
      option.label = milestone.title; // text, never markup
      list.appendChild(option);
    });
  }
  // Before a slug field is used, the list is rebuilt from what the page holds now.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-milestone-slug]")) refresh();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
