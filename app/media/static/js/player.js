/* Lesson player: a remembered quality switch that keeps the playing position.
 *
 * Without JavaScript the <video> plays its 360p <source> and the quality buttons are
 * plain links (?q=240p). With it, a click swaps the source in place, seeks back to
 * where the learner was, and remembers the choice in localStorage for every lesson.
 * ES5 only. The progress heartbeat (app/study) attaches to the same element through
 * its data-lesson-id attribute.
 */
(function () {
  "use strict";
  var KEY = "lms-quality";
  var player = document.getElementById("lesson-player");
  if (!player) { return; }
  var switcher = document.getElementById("quality-switch");
  var label = document.getElementById("media-quality");

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function store(quality) {
    try { window.localStorage.setItem(KEY, quality); } catch (e) { /* private mode */ }
  }

  function links() { return switcher ? switcher.getElementsByTagName("a") : []; }

  function linkFor(quality) {
    var all = links();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-quality") === quality) { return all[i]; }
    }
    return null;
  }

  function markCurrent(quality) {
    var all = links();
    for (var i = 0; i < all.length; i++) {
      var current = all[i].getAttribute("data-quality") === quality;
      all[i].className = all[i].className.replace(/\s*current/, "") + (current ? " current" : "");
      if (current) { all[i].setAttribute("aria-current", "true"); } else { all[i].removeAttribute("aria-current"); }
    }
    player.setAttribute("data-quality", quality);
    if (label) { label.textContent = quality; }
  }

  function switchTo(quality) {
    var link = linkFor(quality);
    if (!link || player.getAttribute("data-quality") === quality) { return; }
    var position = player.currentTime || 0;
    var wasPlaying = !player.paused;
    var source = player.getElementsByTagName("source")[0];
    source.setAttribute("src", link.getAttribute("data-src"));
    source.setAttribute("data-quality", quality);
    markCurrent(quality);
    player.load();
    if (position > 0) {
      var seekBack = function () {
        player.removeEventListener("loadedmetadata", seekBack);
        player.currentTime = position;
        if (wasPlaying) { player.play(); }
      };
      player.addEventListener("loadedmetadata", seekBack);
    } else if (wasPlaying) {
      player.play();
    }
  }

  if (switcher) {
    switcher.addEventListener("click", function (event) {
      var target = event.target;
      if (!target || !target.getAttribute || !target.getAttribute("data-quality")) { return; }
      event.preventDefault();
      var quality = target.getAttribute("data-quality");
      store(quality);
      switchTo(quality);
    });
  }

  /* A remembered quality wins over the default, unless the link asked for one (?q=). */
  var preferred = stored();
  if (preferred && !/[?&]q=/.test(window.location.search)) { switchTo(preferred); }

  /* ?t=SECONDS resumes where the learner stopped (the source also carries #t= for no-JS). */
  var start = parseFloat(player.getAttribute("data-start") || "0");
  if (start > 0) {
    var seekStart = function () {
      player.removeEventListener("loadedmetadata", seekStart);
      if (player.currentTime < start - 1) { player.currentTime = start; }
    };
    if (player.readyState >= 1) { seekStart(); } else { player.addEventListener("loadedmetadata", seekStart); }
  }
}());
