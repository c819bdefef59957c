// Frontline web console: small progressive enhancements. Every page works without this
// file; with it, pages follow the live event stream, show who else is on a case, warn
// when a new message arrives while you are writing, and show a decision's verdict while you
// type its facts. No inline script is allowed (CSP), so pages pass data through data-
// attributes.
(function () {
  'use strict';

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute('content') : '';
  var me = document.body.getAttribute('data-person-id') || '';
  var announcer = document.getElementById('announcer');

  function announce(text) {
    if (announcer) { announcer.textContent = text; }
  }

  // Fetch a page fragment and swap every element of it that has an id present on this page.
  // The server renders (and escapes) the HTML; nothing here builds markup from event data.
  function refresh(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('refresh ' + response.status); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var swapped = [];
        doc.querySelectorAll('body > [id]').forEach(function (fresh) {
          var old = document.getElementById(fresh.id);
          if (!old) { return; }
          var before = numbers(old);
          var node = document.importNode(fresh, true);
          old.replaceWith(node);
          numbers(node).forEach(function (n) {
            if (before.indexOf(n) < 0) {
              var row = node.querySelector('[data-number="' + CSS.escape(n) + '"]');
              if (row) { row.classList.add('arrived'); }
            }
          });
          swapped.push(node);
        });
        paintPresence();
        return swapped;
      });
  }

  function numbers(root) {
    return Array.prototype.map.call(root.querySelectorAll('[data-number]'), function (el) {
      return el.getAttribute('data-number');
    });
  }

  // A chart wider than a phone starts scrolled to its centre, where the pyramid's tip is.
  document.querySelectorAll('.chart-scroll').forEach(function (box) {
    box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2;
  });

  // ----- presence: who else is viewing or typing -----
  var presence = {};

  function paintPresence() {
    document.querySelectorAll('[data-presence-for]').forEach(function (el) {
      var people = (presence[el.getAttribute('data-presence-for')] || []).filter(function (p) {
        return p.person_id !== me;
      });
      el.textContent = people.map(function (p) {
        return p.name + (p.state === 'typing' ? ' is typing…' : ' is viewing');
      }).join(', ');
      el.classList.toggle('active', people.length > 0);
    });
  }

  // ----- the live stream -----
  var live = document.querySelector('[data-stream]');
  if (live && window.EventSource && window.fetch) {
    var kinds = (live.getAttribute('data-refresh-on') || '').split(/\s+/).filter(Boolean);
    var target = live.querySelector('[data-refresh]');
    var caseNumber = live.getAttribute('data-case');
    var url = caseNumber ? '/cases/' + encodeURIComponent(caseNumber) + '/live'
      : (target ? target.getAttribute('data-refresh') : null);
    var pending = null;
    var status = document.querySelector('[data-live-status]');

    var schedule = function () {
      if (pending || !url) { return; }
      // Several events often arrive together (a new case is created and assigned): one
      // refresh covers them.
      pending = setTimeout(function () {
        pending = null;
        var draftBefore = caseNumber ? currentDraft() : '';
        var basedBefore = caseNumber ? basedOnField() : null;
        refresh(url).then(function () {
          if (caseNumber) { afterConversationRefresh(draftBefore, basedBefore); }
        }).catch(function () { /* the next event or a reload will catch up */ });
      }, 150);
    };

    // The cockpit follows the whole organisation's stream but refreshes only for events
    // about me, my teams, or a case already on screen.
    var teams = live.hasAttribute('data-teams')
      ? live.getAttribute('data-teams').split(/\s+/).filter(Boolean) : null;
    // The asks page refreshes for asks I raised or that are with me (before or after).
    var mineOnly = live.hasAttribute('data-mine');
    var relevant = function (data) {
      if (mineOnly) {
        var a = data.payload || {};
        return a.asker_id === me || a.assignee_id === me || a.from === me;
      }
      if (!teams) { return true; }
      var p = data.payload || {};
      if (p.owner_id === me || p.previous_owner_id === me) { return true; }
      if (p.team_id && teams.indexOf(p.team_id) >= 0) { return true; }
      return !!(p.number && document.querySelector('[data-number="' + CSS.escape(String(p.number)) + '"]'));
    };

    var source = new EventSource(live.getAttribute('data-stream'));
    kinds.forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        var data = {};
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (!relevant(data)) { return; }
        if (kind === 'case.created' && data.payload && data.payload.subject) {
          announce('New case ' + data.payload.number + ': ' + data.payload.subject);
        } else if (kind === 'message.added' && data.payload && data.payload.number) {
          announce('New message on ' + data.payload.number);
        } else if (kind === 'case.mood_alert' && data.payload && data.payload.number) {
          announce('A customer sounds upset on ' + data.payload.number);
        }
        schedule();
      });
    });
    source.addEventListener('reset', schedule);
    source.addEventListener('presence', function (event) {
      try {
        var data = JSON.parse(event.data);
        if (data && data.number && Array.isArray(data.people)) {
          presence[data.number] = data.people;
          paintPresence();
        }
      } catch (e) { /* ignore malformed presence */ }
    });
    source.addEventListener('open', function () {
      if (status) { status.textContent = 'Live: new work appears here without reloading.'; }
      document.body.classList.add('is-live');
    });
    source.addEventListener('error', function () {
      document.body.classList.remove('is-live');
    });
  }

  // ----- the case workspace: presence heartbeats and the stale-reply prompt -----
  var reply = document.getElementById('reply-body');
  var casePage = document.querySelector('[data-case]');

  function currentDraft() { return reply ? reply.value.trim() : ''; }
  function basedOnField() { return document.getElementById('based-on'); }

  function afterConversationRefresh(draftBefore) {
    var list = document.getElementById('conversation');
    var field = basedOnField();
    if (!list || !field) { return; }
    var newest = list.getAttribute('data-based-on');
    if (newest === field.value) { return; }
    if (currentDraft() || draftBefore) {
      // Someone wrote while you were typing: say so, and let the server guard stay armed
      // until you confirm you have read it.
      var prompt = document.getElementById('stale-prompt');
      if (prompt) {
        prompt.hidden = false;
        prompt.setAttribute('data-newest', newest);
      }
    } else {
      field.value = newest;
    }
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-ack-stale]');
    if (!button) { return; }
    var prompt = document.getElementById('stale-prompt');
    var field = basedOnField();
    if (prompt && field) {
      field.value = prompt.getAttribute('data-newest') || field.value;
      prompt.hidden = true;
      if (reply) { reply.focus(); }
    }
  });

  // ----- the decision panel: the verdict as you type -----
  // The form posts and records without this; here each change asks the API for a dry run
  // and draws the verdict with text nodes only (rule names and reasons are not markup).
  var HEADLINES = {
    within: 'Within the guidelines: go ahead.',
    explain: 'Outside a guideline: you may go ahead, but say why.',
    blocked: 'Blocked by a policy: this cannot be done.'
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function paintVerdict(form, view) {
    var box = form.querySelector('[data-verdict]');
    var explanation = form.querySelector('[data-explanation]');
    var submit = form.querySelector('[data-decide-submit]');
    if (!box) { return; }
    box.textContent = '';
    var verdict = view && view.verdict;
    if (view) {
      var panel = el('div', 'verdict verdict-' + (verdict || 'pending'));
      var head = el('p', 'verdict-head');
      head.appendChild(el('strong', '', verdict ? HEADLINES[verdict] : view.message));
      panel.appendChild(head);
      var failed = (view.findings || []).filter(function (f) { return f.held === false; });
      if (failed.length) {
        var list = el('ul', 'verdict-rules');
        failed.forEach(function (f) {
          var item = el('li');
          item.appendChild(el('strong', '', f.name));
          item.appendChild(document.createTextNode(' '));
          item.appendChild(el('span', 'badge rule-' + f.rule_type, f.rule_type));
          if (f.why && f.why.length) {
            var why = el('ul', 'why');
            f.why.forEach(function (w) { why.appendChild(el('li', '', w)); });
            item.appendChild(why);
          }
          if (f.text) { item.appendChild(el('p', 'muted small', f.text)); }
          list.appendChild(item);
        });
        panel.appendChild(list);
      }
      box.appendChild(panel);
    }
    if (explanation) {
      var needed = verdict === 'explain';
      var typed = explanation.querySelector('textarea');
      explanation.hidden = !needed && !(typed && typed.value.trim());
      if (typed) { typed.required = needed; }
    }
    if (submit) { submit.disabled = verdict === 'blocked'; }
  }

  function factsOf(form) {
    var facts = {};
    var complete = true;
    form.querySelectorAll('[data-fact]').forEach(function (input) {
      var name = input.getAttribute('data-fact');
      var type = input.getAttribute('data-type');
      if (type === 'bool') { facts[name] = input.checked; return; }
      var value = input.value.trim();
      if (!value) { complete = false; return; }
      facts[name] = (type === 'money' || type === 'number') ? Number(value) : value;
      if ((type === 'money' || type === 'number') && !isFinite(facts[name])) { complete = false; }
    });
    return complete ? facts : null;
  }

  function followDecision(form, caseNumber) {
    var kind = form.getAttribute('data-decide-form');
    var timer = null;
    var asked = 0;
    var evaluate = function () {
      var facts = factsOf(form);
      if (!facts) { paintVerdict(form, null); return; }
      var mine = ++asked;
      fetch('/api/v1/cases/' + encodeURIComponent(caseNumber) + '/decisions', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ kind: kind, facts: facts, dry_run: true })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (mine !== asked) { return; }
        var stale = form.querySelector('[data-server-error]');
        if (stale) { stale.remove(); }
        if (answer.ok) {
          paintVerdict(form, answer.body);
          announce(HEADLINES[answer.body.verdict] || '');
        } else {
          paintVerdict(form, { message: (answer.body && answer.body.detail) || 'The verdict could not be worked out.' });
        }
      }).catch(function () { /* offline: the form still records and answers with the verdict */ });
    };
    var schedule = function () {
      clearTimeout(timer);
      timer = setTimeout(evaluate, 250);
    };
    form.addEventListener('input', function (event) {
      if (event.target.closest('[data-explanation]')) { return; }
      schedule();
    });
    form.addEventListener('change', function (event) {
      if (event.target.closest('[data-explanation]')) { return; }
      schedule();
    });
    return evaluate;
  }

  var chooser = document.querySelector('[data-kind-chooser]');
  if (casePage && window.fetch && document.querySelector('[data-decide-form]')) {
    var decideCase = casePage.getAttribute('data-case');
    var evaluators = {};
    document.querySelectorAll('[data-decide-form]').forEach(function (form) {
      evaluators[form.getAttribute('data-decide-form')] = followDecision(form, decideCase);
    });
    if (chooser) {
      document.querySelectorAll('[data-without-script]').forEach(function (b) { b.hidden = true; });
      chooser.addEventListener('change', function () {
        document.querySelectorAll('[data-decide-form]').forEach(function (form) {
          form.hidden = form.getAttribute('data-decide-form') !== chooser.value;
        });
        var evaluate = evaluators[chooser.value];
        if (evaluate) { evaluate(); }
      });
    }
  }

  // Only pages of people who share presence (staff) send heartbeats.
  if (casePage && casePage.hasAttribute('data-presence') && window.fetch) {
    var number = casePage.getAttribute('data-case');
    var state = 'viewing';
    var enabled = true;
    var idle = null;
    var send = function () {
      if (!enabled || document.hidden) { return; }
      fetch('/api/v1/cases/' + encodeURIComponent(number) + '/presence', {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ state: state })
      }).then(function (response) {
        // Not available on this server: stop quietly.
        if (response.status === 403 || response.status === 404 || response.status === 405) {
          enabled = false;
        }
      }).catch(function () { /* offline: try again at the next beat */ });
    };
    send();
    setInterval(send, 10000);
    if (reply) {
      reply.addEventListener('input', function () {
        if (state !== 'typing') { state = 'typing'; send(); }
        clearTimeout(idle);
        idle = setTimeout(function () { state = 'viewing'; send(); }, 5000);
      });
    }
  }

  // ----- the org page: a month slider redraws the org as it was -----
  // The server renders the chart for any date (GET /org/chart?as_of=YYYY-MM-DD); the slider
  // only picks the date and swaps the fragment in. Without script the date form does it.
  var asofSlider = document.querySelector('[data-asof-slider]');
  if (asofSlider && window.fetch) {
    var range = asofSlider.querySelector('input[type=range]');
    var monthOut = asofSlider.querySelector('output');
    var dateInput = document.getElementById('asof-date');
    var monthList = (range.getAttribute('data-months') || '').split(' ');
    var endList = (range.getAttribute('data-ends') || '').split(' ');
    var pending = null;
    asofSlider.hidden = false;
    var showMonth = function () {
      var i = Number(range.value);
      if (monthOut) { monthOut.textContent = monthList[i] || ''; }
      return endList[i];
    };
    var load = function () {
      var day = showMonth();
      if (!day) { return; }
      if (dateInput) { dateInput.value = day; }
      var url = new URL(window.location.href);
      url.searchParams.set('as_of', day);
      history.replaceState(null, '', url.pathname + url.search + url.hash);
      refresh('/org/chart?as_of=' + encodeURIComponent(day))
        .then(function () { announce('Organisation as of ' + day); })
        .catch(function () { /* keep the chart shown */ });
    };
    range.addEventListener('input', function () {
      showMonth();
      clearTimeout(pending);
      pending = setTimeout(load, 150);
    });
    range.addEventListener('change', function () {
      clearTimeout(pending);
      load();
    });
  }

  // Service targets count down: the server renders "Due <span data-due=…><time>in 2 h 15 min</time></span>";
  // this keeps the words true between refreshes (same wording as the server).
  function span(ms) {
    var m = Math.floor(Math.max(ms, 0) / 60000);
    if (m === 0) { return 'under a minute'; }
    if (m < 60) { return m + ' min'; }
    if (m < 24 * 60) { return Math.floor(m / 60) + ' h' + (m % 60 ? ' ' + (m % 60) + ' min' : ''); }
    var h = Math.floor(m / 60) % 24;
    return Math.floor(m / (24 * 60)) + ' d' + (h ? ' ' + h + ' h' : '');
  }
  function countDown() {
    document.querySelectorAll('[data-due]').forEach(function (el) {
      var due = Date.parse(el.getAttribute('data-due'));
      if (isNaN(due)) { return; }
      var left = due - Date.now();
      (el.querySelector('time') || el).textContent = left > 0 ? 'in ' + span(left) : 'now';
    });
  }
  if (document.querySelector('[data-due]') || document.querySelector('[data-stream]')) {
    countDown();
    setInterval(countDown, 15000);
  }

  // File inputs that upload as soon as a file is chosen, dropped or pasted (a picture from
  // the clipboard), with progress, and put the upload ids into the form's hidden
  // `attachments` field. One behaviour for every form: a container with `data-upload`.
  // Without this script the form still sends its text (the files are not sent).
  function uploadInto(box, file) {
    var list = box.querySelector('[data-upload-list]');
    var ids = box.querySelector('[data-upload-ids]');
    var form = box.closest('form');
    var submit = form ? form.querySelector('button[type="submit"]') : null;
    var item = el('li', 'upload', '');
    var label = el('span', 'upload-name', file.name || 'pasted picture');
    var bar = document.createElement('progress');
    bar.max = 100;
    bar.value = 0;
    var state = el('span', 'upload-state muted small', 'uploading…');
    item.appendChild(label);
    item.appendChild(bar);
    item.appendChild(state);
    list.appendChild(item);
    box.pending = (box.pending || 0) + 1;
    if (submit) { submit.disabled = true; }
    var xhr = new XMLHttpRequest();
    var name = file.name || ('pasted-' + Date.now() + '.png');
    xhr.open('POST', box.getAttribute('data-upload') + '?name=' + encodeURIComponent(name));
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    function done() {
      box.pending -= 1;
      if (submit && box.pending === 0) { submit.disabled = false; }
    }
    xhr.addEventListener('load', function () {
      done();
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 201 && body.id) {
        bar.value = 100;
        state.textContent = 'attached';
        item.classList.add('done');
        ids.value = (ids.value ? ids.value + ' ' : '') + body.id;
        announce((file.name || 'Picture') + ' uploaded');
      } else {
        item.classList.add('failed');
        state.textContent = body.detail || ('upload failed (' + xhr.status + ')');
        announce(state.textContent);
      }
    });
    xhr.addEventListener('error', function () {
      done();
      item.classList.add('failed');
      state.textContent = 'upload failed: the connection broke';
    });
    xhr.send(file);
  }
  document.querySelectorAll('[data-upload]').forEach(function (box) {
    var input = box.querySelector('[data-upload-input]');
    var form = box.closest('form');
    function take(files) {
      Array.prototype.forEach.call(files, function (file) { uploadInto(box, file); });
    }
    if (input) {
      input.addEventListener('change', function () {
        take(input.files);
        input.value = '';
      });
    }
    ['dragenter', 'dragover'].forEach(function (kind) {
      box.addEventListener(kind, function (e) {
        e.preventDefault();
        box.classList.add('dragging');
      });
    });
    ['dragleave', 'drop'].forEach(function (kind) {
      box.addEventListener(kind, function () { box.classList.remove('dragging'); });
    });
    box.addEventListener('drop', function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files) { take(e.dataTransfer.files); }
    });
    if (form) {
      form.addEventListener('paste', function (e) {
        var items = (e.clipboardData && e.clipboardData.files) || [];
        if (items.length) {
          e.preventDefault();
          take(items);
        }
      });
    }
  });
})();
