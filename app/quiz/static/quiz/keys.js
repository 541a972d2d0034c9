/* Keyboard and remote control for quiz pages on a terminal (TV).
 * Number keys 1-9 choose option n (toggle for multiple choice); Enter goes on (submits the
 * form marked data-quiz-keys="form"). In a cloze question the keys act on the focused blank
 * (data-quiz-blank): a number chooses option n of a choice blank (arrow keys work as usual)
 * or ticks/unticks option n of a multiple-response blank, a text blank takes typing; Tab goes to the next blank, and the first blank has the focus. Without this script the page works with plain radio
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

  function blankOf(target) {
    var node = target;
    while (node && node !== form) {
      if (node.getAttribute && node.getAttribute("data-quiz-blank") !== null) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  function chooseInBlank(blank, number) {
    var tag = blank.tagName.toLowerCase();
    if (tag === "input") { return false; }  // a text blank: the digit is typed
    if (tag === "select") {
      if (number >= blank.options.length) { return true; }
      blank.selectedIndex = number;  // option 0 is "Choose..."
      return true;
    }
    var input = blank.querySelectorAll("input[type='radio'], input[type='checkbox']")[number - 1];
    if (input) {
      input.checked = input.type === "checkbox" ? !input.checked : true;
      input.focus();
    }
    return true;
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
    var blank = blankOf(event.target);
    if (blank && /^[1-9]$/.test(key)) {
      if (chooseInBlank(blank, parseInt(key, 10))) { event.preventDefault(); }
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
  /* Where the focus starts, so that the room sees it and the remote's keys act at once: a cloze
   * question's first blank (on the chosen option of a choice blank); on the TV otherwise the
   * chosen option (or the first), or the first field of a question without options. Phones keep
   * their focus where it is (no pop-up keyboard). */
  function placeStartFocus() {
    var nothingFocused = !document.activeElement || document.activeElement === document.body;
    var first = form.querySelector("[data-quiz-blank]");
    if (first && nothingFocused) {
      var target = first.querySelector ? (first.querySelector("input:checked") || first.querySelector("input")) : null;
      (first.tagName.toLowerCase() === "span" && target ? target : first).focus();
    } else if (nothingFocused && /(^| )terminal( |$)/.test(document.body.className)) {
      /* Options: the chosen one or the first. A short answer, a number or a matching has no
       * option list: its first field, so the room's keyboard types into it at once. */
      var start = (list && (list.querySelector("input:checked") || list.querySelector("input, textarea"))) ||
        form.querySelector("input:not([type='hidden']), select, textarea");
      if (start) { start.focus(); }
    }
  }
  placeStartFocus();
  form.setAttribute("data-keys-ready", "1");  // tests and remote-control shells wait for this
}());
