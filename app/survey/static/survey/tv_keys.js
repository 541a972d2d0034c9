/* Number keys and Enter for a questionnaire question on the activity-room TV (ES5, old browsers).
 * Keys 1-9 pick option n (toggle for multiple choice; for a ranking, the next free place goes to
 * option n, so pressing the options in order ranks them); Enter goes on. Without this script the
 * page works with its radio buttons, check boxes, lists and buttons. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey-keys='form']");
  if (!form) { return; }
  var box = form.querySelector("div[data-survey-keys]");
  var kind = box ? box.getAttribute("data-survey-keys") : "";

  function rank(index) {
    var selects = box.querySelectorAll("select");
    var select = selects[index];
    if (!select || select.value) { return; }
    var used = 0, i;
    for (i = 0; i < selects.length; i++) { if (selects[i].value) { used++; } }
    select.value = String(used + 1);
    select.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var tag = event.target && event.target.tagName ? event.target.tagName.toLowerCase() : "";
    if (tag === "textarea") { return; }
    if (event.key === "Enter") {
      if (tag === "button") { return; }
      event.preventDefault();
      form.querySelector("button[value='next']").click();
      return;
    }
    if (!box || !/^[1-9]$/.test(event.key)) { return; }
    var index = parseInt(event.key, 10) - 1;
    event.preventDefault();
    if (kind === "ranking") { rank(index); return; }
    var inputs = box.querySelectorAll("input");
    var input = inputs[index];
    if (!input) { return; }
    if (input.type === "checkbox") { input.checked = !input.checked; } else { input.checked = true; }
    input.focus();
  });
  form.setAttribute("data-keys-ready", "1");
}());
