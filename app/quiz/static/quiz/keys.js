/* Keyboard and remote control for quiz pages on a terminal (TV).
 * Number keys 1-9 choose option n (toggle for multiple choice); Enter goes on (submits the
 * form marked data-quiz-keys="form"). Without this script the page works with plain radio
 * buttons, checkboxes and submit buttons. Written in ES5 for old browsers. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-quiz-keys='form']");
  if (!form) { return; }
  var list = form.querySelector("[data-quiz-keys]");

  function isTyping(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "textarea" || tag === "select" || (tag === "input" && (target.type === "text" || target.type === "password" || target.type === "number"));
  }

  function submitForm() {
    var button = form.querySelector("button[type='submit'][value='next']") || form.querySelector("button[type='submit']");
    if (button) { button.click(); } else { form.submit(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var key = event.key;
    if (key === "Enter") {
      if (event.target && event.target.tagName && event.target.tagName.toLowerCase() === "textarea") { return; }
      if (event.target && event.target.tagName && event.target.tagName.toLowerCase() === "button") { return; }
      event.preventDefault();
      submitForm();
      return;
    }
    if (!list || isTyping(event.target) || !/^[1-9]$/.test(key)) { return; }
    var inputs = list.querySelectorAll("input");
    var input = inputs[parseInt(key, 10) - 1];
    if (!input) { return; }
    event.preventDefault();
    if (input.type === "checkbox") { input.checked = !input.checked; } else { input.checked = true; }
    input.focus();
  });
  /* On the TV the focus starts on the chosen option (or the first): the room sees where it is,
   * and the remote's arrow keys move it. Phones keep their focus where it is (no pop-up keyboard). */
  if (list && /(^| )terminal( |$)/.test(document.body.className) && document.activeElement === document.body) {
    var start = list.querySelector("input:checked") || list.querySelector("input, textarea");
    if (start) { start.focus(); }
  }
  form.setAttribute("data-keys-ready", "1");  // tests and remote-control shells wait for this
}());
