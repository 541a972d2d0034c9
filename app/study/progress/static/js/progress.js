/*
 * Playback progress: heartbeat and offline queue. ES5 for the old browsers of village PCs.
 *
 * Attaches to video[data-lesson-id], audio[data-lesson-id] (played stretches) and
 * [data-lesson-id][data-lesson-type="text"|"document"] or iframe[data-lesson-id] (a PDF):
 * time open, and for text reaching the end.
 * Every stretch becomes an event {id, lesson_id, start, end, at} with a random id and the
 * time it happened; events wait in localStorage and are sent every 15 s and on pause, end
 * and page hide. If the link is down they stay queued and go out, with their original
 * times, when it returns. The server ignores an id it has seen, so re-sending is safe.
 * Optional attributes: data-progress-url (default /study/progress), data-session-id,
 * data-person-id. The page's <meta name="csrf-token"> authenticates the post.
 */
(function () {
  "use strict";

  var QUEUE_KEY = "lms.progress.queue.v1";
  var HEARTBEAT_MS = 15000;
  var MAX_BATCH = 100;
  var MAX_QUEUE = 5000;
  var MAX_BACKOFF_MS = 60000;
  var memoryQueue = [];
  var sending = false;
  var backoffMs = 2000;
  var retryTimer = null;
  var progressUrl = "/study/progress";

  function storage() {
    try {
      var probe = "lms.progress.probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; /* private mode or disabled: keep the queue in memory */
    }
  }
  var store = storage();

  function loadQueue() {
    if (!store) { return memoryQueue.slice(0); }
    try {
      var parsed = JSON.parse(store.getItem(QUEUE_KEY) || "[]");
      return parsed instanceof Array ? parsed : [];
    } catch (e) {
      return [];
    }
  }

  function saveQueue(queue) {
    if (queue.length > MAX_QUEUE) { queue = queue.slice(queue.length - MAX_QUEUE); }
    if (!store) { memoryQueue = queue; return; }
    try { store.setItem(QUEUE_KEY, JSON.stringify(queue)); } catch (e) { memoryQueue = queue; }
  }

  /* An attribute of the element or of the nearest ancestor that has it (a TV lesson page
     marks its whole content with the group session). */
  function inherited(element, name) {
    for (var node = element; node && node.getAttribute; node = node.parentNode) {
      var value = node.getAttribute(name);
      if (value) { return value; }
    }
    return null;
  }

  function uuid() {
    var bytes = [], i, hex = [];
    var cryptoObj = window.crypto || window.msCrypto;
    if (cryptoObj && cryptoObj.getRandomValues) {
      var array = new Uint8Array(16);
      cryptoObj.getRandomValues(array);
      for (i = 0; i < 16; i++) { bytes.push(array[i]); }
    } else {
      for (i = 0; i < 16; i++) { bytes.push(Math.floor(Math.random() * 256)); }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i = 0; i < 16; i++) { hex.push((bytes[i] + 0x100).toString(16).substr(1)); }
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") + "-" +
      hex.slice(8, 10).join("") + "-" + hex.slice(10, 16).join("");
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  function isoNow() {
    var d = new Date();
    if (d.toISOString) { return d.toISOString(); }
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2) + "T" +
      pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + ":" + pad(d.getUTCSeconds(), 2) + "Z";
  }

  function csrfToken() {
    var meta = document.querySelector ? document.querySelector('meta[name="csrf-token"]') : null;
    return meta ? meta.getAttribute("content") : "";
  }

  function enqueue(event) {
    var queue = loadQueue();
    queue.push(event);
    saveQueue(queue);
  }

  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; flush(); }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  function removeSent(ids) {
    var sent = {}, i, kept = [], queue = loadQueue();
    for (i = 0; i < ids.length; i++) { sent[ids[i]] = true; }
    for (i = 0; i < queue.length; i++) { if (!sent[queue[i].id]) { kept.push(queue[i]); } }
    saveQueue(kept);
  }

  function flush() {
    if (sending) { return; }
    var queue = loadQueue();
    if (!queue.length) { return; }
    if (navigator.onLine === false) { scheduleRetry(); return; }
    var batch = queue.slice(0, MAX_BATCH), ids = [], i;
    for (i = 0; i < batch.length; i++) { ids.push(batch[i].id); }
    var xhr = new XMLHttpRequest();
    sending = true;
    xhr.open("POST", progressUrl, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      sending = false;
      var status = xhr.status;
      if (status >= 200 && status < 300) {
        removeSent(ids);
        backoffMs = 2000;
        if (loadQueue().length) { flush(); }
      } else if (status === 400 || status === 403 || status === 404 || status === 422) {
        /* The server will never take this batch (lesson withdrawn, bad data): drop it. */
        removeSent(ids);
      } else {
        /* 0 (offline), 401 (logged out), 429, 5xx: keep it and try again later. */
        scheduleRetry();
      }
    };
    try {
      xhr.send(JSON.stringify({events: batch}));
    } catch (e) {
      sending = false;
      scheduleRetry();
    }
  }

  function baseEvent(element) {
    var event = {id: uuid(), lesson_id: parseInt(element.getAttribute("data-lesson-id"), 10), at: isoNow()};
    var sessionId = inherited(element, "data-session-id");
    var personId = element.getAttribute("data-person-id");
    if (sessionId) { event.session_id = parseInt(sessionId, 10); }
    if (personId) { event.person_id = parseInt(personId, 10); }
    return event;
  }

  function round(seconds) { return Math.round(seconds * 100) / 100; }

  /* --- video and audio: the stretches actually played ---------------------------------- */
  function trackMedia(player) {
    var segmentStart = null, lastTime = 0;

    function close(end) {
      if (segmentStart !== null && end > segmentStart + 0.2) {
        var event = baseEvent(player);
        event.start = round(segmentStart);
        event.end = round(end);
        enqueue(event);
      }
      segmentStart = null;
    }

    function heartbeat() {
      if (segmentStart !== null) {
        var now = player.currentTime;
        close(now);
        if (!player.paused && !player.ended) { segmentStart = now; }
      }
      flush();
    }

    player.addEventListener("playing", function () {
      segmentStart = player.currentTime;
      lastTime = player.currentTime;
    });
    player.addEventListener("timeupdate", function () {
      var now = player.currentTime;
      if (player.paused || player.seeking) { return; }
      if (segmentStart === null) { segmentStart = now; }
      else if (now < lastTime - 0.5 || now > lastTime + 3) { close(lastTime); segmentStart = now; }
      lastTime = now;
    });
    player.addEventListener("seeking", function () { close(lastTime); });
    player.addEventListener("pause", function () { close(player.currentTime); flush(); });
    player.addEventListener("ended", function () { close(player.currentTime); flush(); });
    player.addEventListener("waiting", function () { close(player.currentTime); });
    window.setInterval(heartbeat, HEARTBEAT_MS);
    hideHandlers.push(function () { close(player.seeking ? lastTime : player.currentTime); });

    var resume = resumePosition(player);
    if (resume > 0) {
      var seek = function () {
        if (!player.duration || resume < player.duration - 2) { player.currentTime = resume; }
      };
      if (player.readyState >= 1) { seek(); } else { player.addEventListener("loadedmetadata", seek); }
    }
  }

  function resumePosition(player) {
    var match = /[?&]t=(\d+(?:\.\d+)?)/.exec(window.location.search);
    if (match) { return parseFloat(match[1]); }
    var attribute = player.getAttribute("data-resume");
    return attribute ? parseFloat(attribute) || 0 : 0;
  }

  /* --- text and documents: time open, and reaching the end ------------------------------ */
  function trackReading(element) {
    var openSeconds = 0, since = new Date().getTime(), reported = 0, reachedEnd = false;

    function visible() { return !document.hidden; }

    function count() {
      var now = new Date().getTime();
      if (visible()) { openSeconds += (now - since) / 1000; }
      since = now;
    }

    function report() {
      count();
      if (openSeconds > reported + 0.5) {
        var event = baseEvent(element);
        event.start = round(reported);
        event.end = round(openSeconds);
        enqueue(event);
        reported = openSeconds;
      }
    }

    function checkEnd() {
      if (reachedEnd || element.getAttribute("data-lesson-type") !== "text") { return; }
      var scrolled = (window.pageYOffset || document.documentElement.scrollTop || 0) + window.innerHeight;
      var bottom = element.getBoundingClientRect().bottom + (window.pageYOffset || 0);
      if (scrolled >= bottom - 20) {
        reachedEnd = true;
        report();
        var event = baseEvent(element);
        event.start = round(reported);
        event.end = round(reported);
        event.scrolled_to_end = true;
        enqueue(event);
        flush();
      }
    }

    window.setInterval(function () { report(); flush(); }, HEARTBEAT_MS);
    window.addEventListener("scroll", checkEnd);
    document.addEventListener("visibilitychange", count);
    hideHandlers.push(report);
    window.setTimeout(checkEnd, 1000); /* a short text may fit on the screen */
  }

  var hideHandlers = [];

  function onHide() {
    for (var i = 0; i < hideHandlers.length; i++) { hideHandlers[i](); }
    flush();
  }

  function start() {
    var players = document.querySelectorAll("video[data-lesson-id], audio[data-lesson-id]");
    var readings = document.querySelectorAll('[data-lesson-id][data-lesson-type="text"],' +
                                             '[data-lesson-id][data-lesson-type="document"], iframe[data-lesson-id]');
    var first = players[0] || readings[0], i;
    if (first && first.getAttribute("data-progress-url")) { progressUrl = first.getAttribute("data-progress-url"); }
    for (i = 0; i < players.length; i++) { trackMedia(players[i]); }
    for (i = 0; i < readings.length; i++) { trackReading(readings[i]); }
    window.addEventListener("online", function () { backoffMs = 2000; flush(); });
    window.addEventListener("pagehide", onHide);
    document.addEventListener("visibilitychange", function () { if (document.hidden) { onHide(); } });
    flush(); /* whatever an earlier page left in the queue */
  }

  window.lmsProgress = {flush: flush, queueLength: function () { return loadQueue().length; }};

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
