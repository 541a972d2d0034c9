/* Terminal (TV) keyboard navigation. ES5 only: old set-top-box browsers run it.
 * Every page works without this file; it adds
 *  - arrow keys moving focus through [data-nav] items (spatially: nearest item in that direction),
 *  - number keys activating [data-key="N"] items (or typed into a [data-number-entry] field),
 *    Escape following [data-back],
 *  - roster autosave: ticking a name saves it at once,
 *  - QR page reload when the code rotates.
 */
(function () {
  "use strict";

  function navItems() {
    var all = document.querySelectorAll("[data-nav]");
    var items = [];
    for (var i = 0; i < all.length; i++) {
      if (!all[i].disabled && all[i].offsetParent !== null) { items.push(all[i]); }
    }
    return items;
  }

  function centre(element) {
    var r = element.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }

  function isTyping(element) {
    if (!element || !element.tagName) { return false; }
    var tag = element.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") { return true; }
    if (tag !== "input") { return false; }
    var type = (element.getAttribute("type") || "text").toLowerCase();
    return type !== "checkbox" && type !== "radio" && type !== "submit" && type !== "button";
  }

  /* Nearest item in the pressed direction; falls back to list order on one-column pages. */
  function move(direction) {
    var items = navItems();
    if (!items.length) { return; }
    var current = document.activeElement;
    var index = items.indexOf ? items.indexOf(current) : -1;
    if (index < 0) { items[0].focus(); return; }
    var from = centre(current);
    var best = null;
    var bestScore = Infinity;
    for (var i = 0; i < items.length; i++) {
      if (i === index) { continue; }
      var to = centre(items[i]);
      var dx = to.x - from.x;
      var dy = to.y - from.y;
      var along = { up: -dy, down: dy, left: -dx, right: dx }[direction];
      var across = (direction === "up" || direction === "down") ? Math.abs(dx) : Math.abs(dy);
      if (along <= 1) { continue; }
      var score = along + across * 2;
      if (score < bestScore) { bestScore = score; best = items[i]; }
    }
    if (!best) {
      var step = (direction === "up" || direction === "left") ? -1 : 1;
      best = items[index + step];
    }
    if (best) {
      best.focus();
      if (best.scrollIntoView) { best.scrollIntoView(false); }
    }
  }

  function activate(element) {
    if (element.tagName.toLowerCase() === "a") { window.location.href = element.href; } else { element.click(); }
  }

  var KEYS = { 37: "left", 38: "up", 39: "right", 40: "down" };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var code = event.keyCode || event.which;
    var target = event.target;
    if (KEYS[code]) {
      if (isTyping(target) && (code === 37 || code === 39)) { return; }
      event.preventDefault();
      move(KEYS[code]);
      return;
    }
    if (code === 27) {  /* Escape: back */
      var back = document.querySelector("[data-back]");
      if (back) { event.preventDefault(); activate(back); }
      return;
    }
    if (isTyping(target)) { return; }
    var digit = null;
    if (code >= 48 && code <= 57) { digit = String(code - 48); }
    if (code >= 96 && code <= 105) { digit = String(code - 96); }
    if (digit !== null) {
      /* A page that asks for a number (the PIN list's roster number): the digit starts it. */
      var entry = document.querySelector("[data-number-entry]");
      if (entry) {
        event.preventDefault();
        entry.focus();
        entry.value = entry.value + digit;
        return;
      }
      var item = document.querySelector('[data-key="' + digit + '"]');
      if (item) { event.preventDefault(); activate(item); }
    }
  });

  function autofocus() {
    var first = document.querySelector("[data-autofocus]") || navItems()[0];
    if (first && first.focus && !isTyping(document.activeElement)) { first.focus(); }
  }

  /* Roster: a tick saves itself; the submit button still works without this. */
  function csrfToken(form) {
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function saveTick(form, box) {
    var request = new XMLHttpRequest();
    var url = form.getAttribute("data-toggle-url") + "/" + box.value;
    var status = document.querySelector('[data-status-for="' + box.value + '"]');
    var label = box.parentNode;
    request.open("POST", url, true);
    request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    request.setRequestHeader("X-CSRFToken", csrfToken(form));
    request.onreadystatechange = function () {
      if (request.readyState !== 4) { return; }
      if (request.status === 200) {
        var data = JSON.parse(request.responseText);
        box.checked = data.present;
        if (status) { status.textContent = data.label; }
        label.className = data.present ? "roster-item is-ticked" : "roster-item";
      } else {
        if (status) { status.textContent = "!"; }
      }
    };
    request.send("present=" + (box.checked ? "1" : "0") + "&csrf_token=" + encodeURIComponent(csrfToken(form)));
  }

  function setUpRoster() {
    var form = document.querySelector("form[data-autosave]");
    if (!form) { return; }
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (box && box.name === "present") { saveTick(form, box); }
    });
  }

  /* QR page: reload when the code rotates (the <noscript> meta refresh covers JS off). */
  function setUpRefresh() {
    var box = document.querySelector("[data-refresh-seconds]");
    if (!box) { return; }
    var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000 + 200);
  }

  autofocus();
  setUpRoster();
  setUpRefresh();
}());
