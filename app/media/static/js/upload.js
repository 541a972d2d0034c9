/* Resumable chunked upload for /media/new (protocol: app/media/uploads.py).
 *
 * ES5 and XMLHttpRequest only, for the old browsers on village PCs.
 * - The file goes up in chunks (PUT with Content-Range); the progress bar follows
 *   the bytes the server has stored plus the chunk in flight.
 * - A dropped link: the chunk fails, the page asks the server for its stored
 *   offset (GET on the session) and continues from there, retrying with a growing
 *   pause and at once when the browser says it is online again.
 * - A page reload: the session id is kept in localStorage under the file's name,
 *   size and modification time; choosing the same file again continues it.
 * - Checksum: where crypto.subtle exists (a secure context) and the file is at most
 *   SHA256_LIMIT bytes, the SHA-256 is computed before the upload and the server
 *   refuses a file that arrives different. crypto.subtle cannot hash a stream, so a
 *   larger file would have to be held in memory whole: for those (and on browsers
 *   without crypto.subtle) the server relies on the exact size instead.
 */
(function () {
  "use strict";
  var SHA256_LIMIT = 256 * 1024 * 1024;
  var MAX_PAUSE_MS = 15000;
  var box = document.getElementById("resumable-upload");
  if (!box || !window.XMLHttpRequest || !window.File || !window.Blob || !Blob.prototype.slice) { return; }

  var input = document.getElementById("resumable-file");
  var bar = document.getElementById("upload-progress");
  var statusLine = document.getElementById("upload-status");
  var errorLine = document.getElementById("upload-error");
  var result = document.getElementById("upload-result");
  var resultLink = document.getElementById("upload-result-link");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var openUrl = box.getAttribute("data-open-url");
  var maxBytes = parseInt(box.getAttribute("data-max-bytes"), 10);
  var courseId = box.getAttribute("data-course-id");
  var state = null;

  box.hidden = false;

  function message(name) { return box.getAttribute("data-msg-" + name) || ""; }

  function storageKey(file) {
    return "lms-upload:" + file.name + ":" + file.size + ":" + (file.lastModified || 0);
  }

  function remember(file, id) {
    try { window.localStorage.setItem(storageKey(file), id); } catch (e) { /* private mode */ }
  }

  function recalled(file) {
    try { return window.localStorage.getItem(storageKey(file)); } catch (e) { return null; }
  }

  function forget(file) {
    try { window.localStorage.removeItem(storageKey(file)); } catch (e) { /* ignore */ }
  }

  function showStatus(text) { statusLine.textContent = text; }

  function showError(text) {
    // The refusal replaces the progress: a full bar above "not a video" would read as a success.
    bar.hidden = true;
    showStatus("");
    errorLine.textContent = text;
    errorLine.hidden = false;
    box.className = box.className.replace(/\s*is-uploading/, "");
  }

  function showProgress(bytes, total) {
    var percent = total ? Math.floor(bytes * 100 / total) : 0;
    bar.hidden = false;
    bar.value = percent;
    bar.setAttribute("data-bytes", String(bytes));
    showStatus(message("uploading") + " " + percent + "% (" + (bytes / 1048576).toFixed(1) + " / " +
      (total / 1048576).toFixed(1) + " MB)");
  }

  function request(method, url, body, headers, onDone, onProgress) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    for (var name in headers) {
      if (headers.hasOwnProperty(name)) { xhr.setRequestHeader(name, headers[name]); }
    }
    if (onProgress && xhr.upload) { xhr.upload.onprogress = onProgress; }
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      onDone(xhr.status, data);
    };
    xhr.onerror = function () { onDone(0, null); };
    xhr.ontimeout = function () { onDone(0, null); };
    xhr.send(body);
    return xhr;
  }

  function errorText(data) {
    return (data && data.error && data.error.message) || message("failed");
  }

  /* --- the upload itself ------------------------------------------------------------------ */

  function start(file) {
    errorLine.hidden = true;
    result.hidden = true;
    if (file.size > maxBytes) { showError(message("too-large")); return; }
    state = { file: file, id: recalled(file), offset: 0, chunk: parseInt(box.getAttribute("data-chunk-size"), 10),
              pause: 1000, timer: null, busy: false };
    box.className += " is-uploading";
    if (state.id) { resume(); } else { checksumThenOpen(); }
  }

  function checksumThenOpen() {
    var file = state.file;
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle || !window.FileReader || file.size > SHA256_LIMIT) { openSession(null); return; }
    showStatus(message("checksum"));
    var reader = new FileReader();
    reader.onload = function () {
      subtle.digest("SHA-256", reader.result).then(function (digest) {
        var bytes = new Uint8Array(digest), hex = "";
        for (var i = 0; i < bytes.length; i++) { hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
        openSession(hex);
      }, function () { openSession(null); });
    };
    reader.onerror = function () { openSession(null); };
    reader.readAsArrayBuffer(file);
  }

  function openSession(sha256) {
    var file = state.file;
    var body = { filename: file.name, size: file.size };
    if (sha256) { body.sha256 = sha256; }
    if (courseId) { body.course_id = parseInt(courseId, 10); }
    request("POST", openUrl, JSON.stringify(body), { "Content-Type": "application/json" }, function (status, data) {
      if (status === 201 && data) {
        state.id = data.id;
        state.offset = data.offset;
        if (data.chunk_size) { state.chunk = Math.min(state.chunk, data.chunk_size); }
        remember(file, data.id);
        sendNext();
      } else if (status === 0) {
        waitAndRetry(function () { openSession(sha256); });
      } else {
        showError(errorText(data));
      }
    });
  }

  function sessionUrl() { return openUrl + "/" + encodeURIComponent(state.id); }

  /* Ask the server where to continue: after a dropped link, a reload, or a 409. */
  function resume() {
    request("GET", sessionUrl(), null, {}, function (status, data) {
      if (status === 200 && data) {
        state.offset = data.offset;
        if (data.media) { finished(data.media); return; }
        sendNext();
      } else if (status === 404 || status === 410) {
        forget(state.file);
        state.id = null;
        checksumThenOpen();
      } else {
        waitAndRetry(resume);
      }
    });
  }

  function sendNext() {
    var file = state.file;
    var begin = state.offset;
    var end = Math.min(begin + state.chunk, file.size);
    showProgress(begin, file.size);
    state.pause = state.pause > 1000 ? state.pause : 1000;
    request("PUT", sessionUrl(), file.slice(begin, end), {
      "Content-Type": "application/octet-stream",
      "Content-Range": "bytes " + begin + "-" + (end - 1) + "/" + file.size
    }, function (status, data) {
      if (status === 200 && data) {
        state.offset = data.offset;
        state.pause = 1000;
        sendNext();
      } else if (status === 201 && data) {
        showProgress(file.size, file.size);
        finished(data.media);
      } else if (status === 409 && data && typeof data.offset === "number") {
        state.offset = data.offset;
        sendNext();
      } else if (status === 0 || status >= 500 || (status === 400 && data && data.error &&
                 data.error.code === "incomplete_chunk")) {
        showStatus(message("offline"));
        waitAndRetry(resume);
      } else {
        forget(file);
        showError(errorText(data));
      }
    }, function (event) {
      if (event.lengthComputable) { showProgress(begin + event.loaded, file.size); }
    });
  }

  function waitAndRetry(action) {
    if (state.timer) { window.clearTimeout(state.timer); }
    state.retry = action;
    state.timer = window.setTimeout(function () { state.timer = null; action(); }, state.pause);
    state.pause = Math.min(state.pause * 2, MAX_PAUSE_MS);
  }

  function finished(media) {
    forget(state.file);
    box.className = box.className.replace(/\s*is-uploading/, "");
    showStatus(message("done"));
    if (media && media.page_url) {
      resultLink.href = media.page_url;
      result.hidden = false;
      window.location.href = media.page_url;
    }
  }

  window.addEventListener("online", function () {
    if (state && state.timer && state.retry) {
      window.clearTimeout(state.timer);
      state.timer = null;
      state.pause = 1000;
      state.retry();
    }
  });

  input.addEventListener("change", function () {
    if (input.files && input.files.length) { start(input.files[0]); }
  });
}());
