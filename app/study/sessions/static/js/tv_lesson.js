/* The TV's lesson page (terminal mode): the remote's keys drive the player.
 *  - Enter on the page or the player: play full screen (Enter again or Esc leaves full screen);
 *  - Space: pause or play;
 *  - arrows, number keys and Esc/0 (back) stay terminal.js's.
 * ES5 only, for old set-top boxes. */
(function () {
  "use strict";
  var player = document.getElementById("lesson-player");
  if (!player || !player.play) { return; }
  player.setAttribute("tabindex", "0");
  player.setAttribute("data-nav", "");
  player.setAttribute("data-autofocus", "");
  player.focus();  /* the video is what the room came for: Enter plays it at once */

  function fullscreenElement() {
    return document.fullscreenElement || document.webkitFullscreenElement || null;
  }
  function enterFullscreen() {
    var request = player.requestFullscreen || player.webkitRequestFullscreen || player.webkitEnterFullscreen;
    if (request) {
      try { var promise = request.call(player); if (promise && promise["catch"]) { promise["catch"](function () {}); } }
      catch (ignored) { /* a browser without full screen still plays */ }
    }
  }
  function exitFullscreen() {
    var exit = document.exitFullscreen || document.webkitExitFullscreen;
    if (exit) { try { exit.call(document); } catch (ignored) { /* nothing to leave */ } }
  }
  function play() {
    var promise = player.play();
    if (promise && promise["catch"]) { promise["catch"](function () {}); }
  }

  document.addEventListener("keydown", function (event) {
    var code = event.keyCode || event.which;
    var target = event.target;
    var onLink = target && target.tagName && target.tagName.toLowerCase() === "a";
    if (code === 13 && !onLink) {  /* Enter */
      event.preventDefault();
      if (fullscreenElement()) { exitFullscreen(); return; }
      enterFullscreen();
      play();
    } else if (code === 32 && !onLink) {  /* Space */
      event.preventDefault();
      if (player.paused) { play(); } else { player.pause(); }
    } else if (code === 27 && fullscreenElement()) {  /* Esc leaves full screen first */
      event.preventDefault();
      event.stopImmediatePropagation();
      exitFullscreen();
    }
  }, true);
}());
