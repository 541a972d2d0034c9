/* Lesson player: picks the rendition the link carries, adapts to it, keeps the position.
 *
 * Without JavaScript the <video> plays its 360p <source> and the quality buttons are
 * plain links (?q=240p). With it:
 * - Auto (the default): before anything plays, a small probe (the first PROBE_BYTES of
 *   the smallest rendition, a Range request on the plain MP4) measures the throughput;
 *   the player starts at the largest rendition whose bitrate times HEADROOM fits (so
 *   below about 800 kbit/s: 240p). A stall (the `waiting` event while playing) steps
 *   down one rendition at once. While playback is healthy (no stall for CALM_MS and
 *   at least MIN_AHEAD_SECONDS buffered), every CHECK_MS a probe of the next larger
 *   rendition decides whether to step up. Every switch keeps the playing position.
 * - A quality the learner clicks is remembered (localStorage) and kept, for every
 *   lesson, until they click Auto; ?q= in the address also fixes the quality.
 * The element shows what happened: data-quality (playing now), data-throughput
 * (last measurement, kbit/s), data-stalls (stalls seen while playing).
 * ES5 only, no build step. The progress heartbeat (app/study) attaches to the same
 * element through its data-lesson-id attribute.
 */
(function () {
  "use strict";
  var KEY = "lms-quality";
  var HEADROOM = 1.15;
  var PROBE_BYTES = 64 * 1024;
  var PROBE_TIMEOUT_MS = 15000;
  var CALM_MS = 30000;
  var MIN_AHEAD_SECONDS = 8;
  var GUESSED_KBPS = { "240p": 375, "360p": 700, "720p": 1650 };

  var player = document.getElementById("lesson-player");
  if (!player) { return; }
  var switcher = document.getElementById("quality-switch");
  var label = document.getElementById("media-quality");
  var autoLink = null;
  var ladder = [];
  var auto = false;
  var switching = false;
  var hasPlayed = false;
  var stalls = 0;
  var lastStallAt = 0;
  var checking = false;
  var checkMs = parseFloat(player.getAttribute("data-check-seconds") || "20") * 1000;

  function now() { return new Date().getTime(); }

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function store(quality) {
    try {
      if (quality) { window.localStorage.setItem(KEY, quality); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* private mode */ }
  }

  function links() { return switcher ? switcher.getElementsByTagName("a") : []; }

  (function readLadder() {
    var all = links();
    for (var i = 0; i < all.length; i++) {
      var quality = all[i].getAttribute("data-quality");
      if (all[i].getAttribute("data-auto")) { autoLink = all[i]; continue; }
      if (!quality) { continue; }
      var bits = parseInt(all[i].getAttribute("data-bitrate") || "0", 10);
      ladder.push({ label: quality, src: all[i].getAttribute("data-src"),
                    kbps: bits > 0 ? bits / 1000 : (GUESSED_KBPS[quality] || 1000), link: all[i] });
    }
    ladder.sort(function (a, b) { return a.kbps - b.kbps; });
  }());

  function indexOf(quality) {
    for (var i = 0; i < ladder.length; i++) { if (ladder[i].label === quality) { return i; } }
    return -1;
  }

  function current() { return indexOf(player.getAttribute("data-quality")); }

  function setClass(element, name, on) {
    element.className = (" " + element.className + " ").replace(" " + name + " ", " ").replace(/^\s+|\s+$/g, "") +
      (on ? " " + name : "");
  }

  function markCurrent(quality) {
    for (var i = 0; i < ladder.length; i++) {
      var isCurrent = ladder[i].label === quality;
      setClass(ladder[i].link, "current", isCurrent);
      if (isCurrent) { ladder[i].link.setAttribute("aria-current", "true"); } else { ladder[i].link.removeAttribute("aria-current"); }
    }
    if (autoLink) {
      setClass(autoLink, "current", auto);
      if (auto) { autoLink.setAttribute("aria-pressed", "true"); } else { autoLink.setAttribute("aria-pressed", "false"); }
    }
    player.setAttribute("data-quality", quality);
    if (label) { label.textContent = quality; }
  }

  function startLoading() {
    if (player.getAttribute("preload") === "none") {
      player.setAttribute("preload", "metadata");
      if (player.readyState === 0 && player.paused) { player.load(); }
    }
  }

  function switchTo(quality) {
    var index = indexOf(quality);
    if (index < 0) { return; }
    if (player.getAttribute("data-quality") === quality) { markCurrent(quality); startLoading(); return; }
    var position = player.currentTime || 0;
    var wasPlaying = !player.paused;
    var source = player.getElementsByTagName("source")[0];
    source.setAttribute("src", ladder[index].src);
    source.setAttribute("data-quality", quality);
    markCurrent(quality);
    if (player.getAttribute("preload") === "none") { player.setAttribute("preload", "metadata"); }
    switching = true;
    player.load();
    var resume = function () {
      player.removeEventListener("loadedmetadata", resume);
      if (position > 0) { player.currentTime = position; }
      if (wasPlaying) { player.play(); } else { switching = false; }
    };
    player.addEventListener("loadedmetadata", resume);
  }

  /* kbit/s of a Range request for the first PROBE_BYTES of url, or null; timed from the
     response headers to the last byte, so the round trip does not count as slowness. */
  function probe(url, callback) {
    var xhr = new XMLHttpRequest();
    var sent = now();
    var headersAt = null;
    var done = false;
    function finish(kbps) {
      if (done) { return; }
      done = true;
      if (kbps !== null) { player.setAttribute("data-throughput", String(Math.round(kbps))); }
      callback(kbps);
    }
    xhr.open("GET", url + (url.indexOf("?") < 0 ? "?" : "&") + "probe=" + sent, true);
    xhr.setRequestHeader("Range", "bytes=0-" + (PROBE_BYTES - 1));
    if (xhr.overrideMimeType) { xhr.overrideMimeType("text/plain; charset=x-user-defined"); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState >= 2 && headersAt === null) { headersAt = now(); }
      if (xhr.readyState !== 4) { return; }
      if (xhr.status !== 206 && xhr.status !== 200) { finish(null); return; }
      var bytes = parseInt(xhr.getResponseHeader("Content-Length") || "0", 10) || PROBE_BYTES;
      var elapsed = Math.max(now() - headersAt, 1);
      finish(bytes * 8 / elapsed);
    };
    xhr.onerror = function () { finish(null); };
    window.setTimeout(function () { if (!done) { xhr.abort(); finish(null); } }, PROBE_TIMEOUT_MS);
    xhr.send();
  }

  function fits(index, kbps) { return ladder[index].kbps * HEADROOM <= kbps; }

  function bestFor(kbps) {
    var best = 0;
    for (var i = 0; i < ladder.length; i++) { if (fits(i, kbps)) { best = i; } }
    return best;
  }

  function chooseStart() {
    probe(ladder[0].src, function (kbps) {
      if (!auto) { return; }
      /* No answer (offline, or too slow to tell): the smallest is the safe start. */
      var index = kbps === null ? 0 : bestFor(kbps);
      switchTo(ladder[index].label);
    });
  }

  function bufferedAhead() {
    var ranges = player.buffered;
    for (var i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= player.currentTime + 0.5 && ranges.end(i) >= player.currentTime) {
        return ranges.end(i) - player.currentTime;
      }
    }
    return 0;
  }

  function maybeStepUp() {
    var index = current();
    if (!auto || checking || switching || !hasPlayed || player.paused || player.ended) { return; }
    if (index < 0 || index >= ladder.length - 1 || now() - lastStallAt < CALM_MS) { return; }
    if (bufferedAhead() < MIN_AHEAD_SECONDS) { return; }
    checking = true;
    probe(ladder[index + 1].src, function (kbps) {
      checking = false;
      if (auto && kbps !== null && current() === index && fits(index + 1, kbps)) { switchTo(ladder[index + 1].label); }
    });
  }

  player.addEventListener("playing", function () { hasPlayed = true; switching = false; });
  player.addEventListener("waiting", function () {
    if (!hasPlayed || switching || player.seeking || player.paused || player.ended) { return; }
    stalls += 1;
    lastStallAt = now();
    player.setAttribute("data-stalls", String(stalls));
    var index = current();
    if (auto && index > 0) { switchTo(ladder[index - 1].label); }
  });

  if (switcher) {
    switcher.addEventListener("click", function (event) {
      var target = event.target;
      if (!target || !target.getAttribute) { return; }
      if (target.getAttribute("data-auto")) {
        event.preventDefault();
        store(null);
        auto = true;
        markCurrent(player.getAttribute("data-quality"));
        if (!hasPlayed) { chooseStart(); }
        return;
      }
      if (!target.getAttribute("data-quality")) { return; }
      event.preventDefault();
      var quality = target.getAttribute("data-quality");
      store(quality);
      auto = false;
      switchTo(quality);
    });
  }

  /* ?t=SECONDS resumes where the learner stopped (the source also carries #t= for no-JS). */
  var start = parseFloat(player.getAttribute("data-start") || "0");
  if (start > 0) {
    var seekStart = function () {
      player.removeEventListener("loadedmetadata", seekStart);
      if (player.currentTime < start - 1) { player.currentTime = start; }
    };
    if (player.readyState >= 1) { seekStart(); } else { player.addEventListener("loadedmetadata", seekStart); }
  }

  if (ladder.length < 2) { return; }
  if (autoLink) { autoLink.removeAttribute("hidden"); }
  player.setAttribute("data-stalls", "0");
  /* The link asked for one (?q=), or the learner chose one before: keep it. */
  var asked = /[?&]q=([^&]+)/.exec(window.location.search);
  var preferred = asked ? decodeURIComponent(asked[1]) : stored();
  if (preferred && indexOf(preferred) >= 0) {
    switchTo(preferred);
  } else {
    auto = true;
    markCurrent(player.getAttribute("data-quality"));
    chooseStart();
  }
  window.setInterval(maybeStepUp, checkMs);
}());
