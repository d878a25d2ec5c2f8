// namespaces_of --output=html: the page's only script. It reads the scan
// (the JSON document of docs/json.md, embedded in #scan) and builds both
// trees, the search, the details pane and the counts. Every piece of text
// from the scan is inserted with textContent, never parsed as HTML.
'use strict';
(function () {
  const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
  const TYPE_NAMES = {
    cgroup: 'cgroup namespace', ipc: 'IPC namespace', mnt: 'mount namespace', net: 'network namespace',
    pid: 'PID namespace', time: 'time namespace', user: 'user namespace', uts: 'UTS namespace'
  };
  const INVISIBLE = 'invisible';
  const MEMBER_ROWS = 1000; // members listed before a "show all" button

  const $ = (id) => document.getElementById(id);

  // el makes an element with a class and text; text is never parsed.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // parseScan reads the embedded document. A 64-bit nsid beyond 2^53 would
  // lose digits as a number, so such values are read as their decimal text
  // (a reviver would do the same, at a hundred times the cost).
  function parseScan() {
    const text = $('scan').textContent.replace(/"nsid": ?(\d{16,})/g, '"nsid": "$1"');
    return JSON.parse(text);
  }

  performance.mark('nsof-start');
  let doc;
  try {
    doc = parseScan();
  } catch (e) {
    $('details').replaceChildren(el('p', 'hint', 'The embedded scan cannot be read: ' + e.message));
    document.body.dataset.ready = 'error';
    return;
  }

  performance.mark('nsof-parsed');
  const keyOf = (ref) => ref ? ref.device + ':' + ref.inode : '';
  const braces = (ns) => '{' + ns.device + ' ' + ns.inode + '}';
  const byKey = new Map();
  for (const ns of doc.namespaces) byKey.set(keyOf(ns), ns);
  const tasks = new Map();
  for (const t of doc.tasks || []) tasks.set(t.id, t);
  const comm = (pid) => { const t = tasks.get(pid); return t && t.comm ? t.comm : ''; };

  // --- workloads (containers, pods, units), shown when the document has them ---
  const workloads = Array.isArray(doc.workloads) ? doc.workloads : [];
  const workloadByID = new Map();
  workloads.forEach((w) => { if (w && typeof w === 'object' && w.id != null) workloadByID.set(String(w.id), w); });
  function workloadsOf(ns) {
    const refs = Array.isArray(ns.workloads) ? ns.workloads : [];
    const out = [];
    for (const r of refs) {
      let w = null;
      if (typeof r === 'number') w = workloads[r];
      else if (typeof r === 'string') w = workloadByID.get(r) || r;
      else if (r && typeof r === 'object') w = (r.id != null && workloadByID.get(String(r.id))) || r;
      if (w != null) out.push(w);
    }
    return out;
  }
  // strings collects the text leaves of a value, for search and fallback labels.
  function strings(v, out, depth) {
    if (depth > 4 || v == null) return out;
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number') out.push(String(v));
    else if (Array.isArray(v)) v.forEach((x) => strings(x, out, depth + 1));
    else if (typeof v === 'object') Object.keys(v).forEach((k) => { if (k !== 'pids') strings(v[k], out, depth + 1); });
    return out;
  }
  function podText(p) {
    if (!p) return '';
    if (typeof p === 'string') return p;
    return [p.namespace, p.name].filter(Boolean).join('/');
  }
  function workloadLabel(w) {
    if (typeof w !== 'object') return String(w);
    const parts = [];
    if (w.engine) parts.push(String(w.engine));
    const pod = podText(w.pod);
    if (pod) parts.push('pod ' + pod);
    const cname = w.container || w.container_name;
    if (cname && typeof cname === 'string') parts.push('container ' + cname);
    if (w.name) parts.push(String(w.name));
    if (w.unit) parts.push(String(w.unit));
    if (w.id) parts.push('(' + String(w.id).slice(0, 12) + ')');
    return parts.length ? parts.join(' ') : strings(w, [], 0).join(' ');
  }

  // --- text as the tree prints it (render/tree) ---

  // safeText mirrors the tree's rule: printable text as is, anything that
  // could forge a line (or starts with a quote) Go-quoted.
  const UNPRINTABLE = /[\u0000-\u001f\u007f-\u00a0\u00ad\u0600-\u0605\u061c\u06dd\u070f\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\ud800-\udfff\ufeff\ufff9-\ufffb]/;
  function safeText(s) {
    s = String(s);
    if (s === '' || s[0] === '"' || UNPRINTABLE.test(s) || s.includes('\ufffd')) return quote(s);
    return s;
  }
  function quote(s) {
    const named = { '\u0007': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u000b': '\\v', '"': '\\"', '\\': '\\\\' };
    let out = '"';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (named[ch]) out += named[ch];
      else if (ch === '\ufffd' || !UNPRINTABLE.test(ch)) out += ch;
      else if (c < 0x80) out += '\\x' + c.toString(16).padStart(2, '0');
      else if (c <= 0xffff) out += '\\u' + c.toString(16).padStart(4, '0');
      else out += '\\U' + c.toString(16).padStart(8, '0');
    }
    return out + '"';
  }
  const ofPID = (pid) => ' of PID ' + pid + (comm(pid) ? ' (' + safeText(comm(pid)) + ')' : '');

  function holderText(h) {
    switch (h.kind) {
      case 'fd': case 'socket':
        return (h.kind === 'socket' ? 'socket ' : '') + 'fd ' + h.fd + ofPID(h.pid);
      case 'bind-mount':
        return 'bind mount ' + safeText(h.path == null ? '' : h.path) + ' (mount ns ' + (h.mount_ns ? h.mount_ns.inode : '?') + ')';
      case 'pid_for_children': case 'time_for_children':
        return h.kind + ofPID(h.pid);
      case 'kernel-list':
        return 'kernel list only';
      case 'descendant': {
        const d = h.of ? byKey.get(keyOf(h.of)) : null;
        return 'ancestor of ' + (d ? d.type : '?') + ' {' + (h.of ? h.of.device + ' ' + h.of.inode : '? ?') + '}';
      }
    }
    return safeText(h.kind) + (h.pid ? ofPID(h.pid) : '');
  }

  // siblingLess orders namespaces as the text tree does: non-user ones by
  // type then inode, then user namespaces by inode.
  function siblingCmp(a, b) {
    const au = a.type === 'user', bu = b.type === 'user';
    if (au !== bu) return au ? 1 : -1;
    if (a.type !== b.type) return TYPES.indexOf(a.type) - TYPES.indexOf(b.type);
    return a.inode - b.inode || a.device - b.device;
  }

  // holderLines: what keeps ns alive, line by line, as --holders prints it.
  function holderLines(ns) {
    const lines = ns.holders.map(holderText);
    const threads = ns.threads || [];
    if (!ns.pids.length) {
      for (const t of threads) if (t.tid !== t.pid) lines.push('thread ' + t.tid + ' of PID ' + t.pid);
    }
    if (ns.pids.length || threads.length || ns.holders.length) return lines;
    const desc = (ns.descendants || []).map((r) => byKey.get(keyOf(r))).filter(Boolean).sort(siblingCmp);
    for (const d of desc) lines.push('ancestor of ' + d.type + ' ' + braces(d));
    return lines;
  }

  // --- the two forests, as model.Forest builds them ---

  function rootOf(key) {
    for (let i = 0; i <= byKey.size; i++) {
      const ns = byKey.get(key);
      if (!ns || !ns.parent || !byKey.has(keyOf(ns.parent))) return key;
      key = keyOf(ns.parent);
    }
    return key;
  }
  function forest(hier) {
    const children = new Map();
    const roots = [], orphans = [];
    for (const ns of doc.namespaces) {
      if (hier === 'pid' && ns.type !== 'pid') continue;
      let up = ns.parent;
      if (hier === 'user' && ns.type !== 'user') {
        up = ns.owner;
        if (!up) { orphans.push(ns); continue; }
      }
      if (!up || !byKey.has(keyOf(up))) { roots.push(ns); continue; }
      const k = keyOf(up);
      if (!children.has(k)) children.set(k, []);
      children.get(k).push(ns);
    }
    const self = doc.self ? rootOf(keyOf(hier === 'pid' ? doc.self.pid : doc.self.user)) : '';
    roots.sort((a, b) => {
      const as = keyOf(a) === self, bs = keyOf(b) === self;
      if (as !== bs) return as ? -1 : 1;
      return a.inode - b.inode || a.device - b.device;
    });
    const build = (ns) => ({ ns, kids: (children.get(keyOf(ns)) || []).sort(siblingCmp).map(build) });
    const out = roots.map(build);
    if (orphans.length) out.push({ ns: null, kids: orphans.sort(siblingCmp).map(build) });
    return out;
  }

  // --- rows ---

  function summary(ns) {
    if (!ns.pids.length) {
      const lines = holderLines(ns);
      return { text: 'no process' + (lines.length ? ' \u00b7 held by ' + lines[0] + (lines.length > 1 ? ' (+' + (lines.length - 1) + ')' : '') : ''), none: true };
    }
    const names = [];
    for (const pid of ns.pids) {
      const c = comm(pid);
      if (c && !names.includes(c)) names.push(c);
      if (names.length === 4) break;
    }
    let text = ns.pids.length + (ns.pids.length === 1 ? ' process' : ' processes');
    if (names.length) text += ': ' + names.slice(0, 3).map(safeText).join(', ') + (names.length > 3 ? ', \u2026' : '');
    return { text, none: false };
  }
  function userHead(ns) {
    return 'UID ' + (ns.creator_uid == null ? '?' : ns.creator_uid);
  }

  const nodesByKey = { user: new Map(), pid: new Map() };
  let nodeCount = 0;

  function buildNode(hier, n, depth) {
    const li = el('li', 'node');
    li.setAttribute('role', 'treeitem');
    li.tabIndex = -1;
    li.setAttribute('aria-level', String(depth + 1));
    const row = el('div', 'row');
    const tw = el('span', 'tw');
    row.append(tw);
    let leak = false;
    if (!n.ns) {
      li.classList.add('invisible');
      li.dataset.key = INVISIBLE;
      li.dataset.type = 'user';
      row.append(el('span', 'ty t-user', '[invisible ancestor user NS]'));
    } else {
      const ns = n.ns;
      const key = keyOf(ns);
      li.dataset.key = key;
      li.dataset.type = ns.type;
      nodesByKey[hier].set(key, li);
      row.append(el('span', 'ty t-' + ns.type, ns.type), el('span', 'ino', ns.inode));
      if (ns.type === 'user') row.append(el('span', 'mono', userHead(ns)));
      const s = summary(ns);
      row.append(el('span', 'sum' + (s.none ? ' none' : ''), s.text));
      const wl = workloadsOf(ns);
      if (wl.length) row.append(el('span', 'sum', wl.slice(0, 2).map(workloadLabel).map(safeText).join(', ') + (wl.length > 2 ? ', \u2026' : '')));
      if (!ns.pids.length) { li.classList.add('nomember'); leak = true; }
    }
    li.append(row);
    nodeCount++;
    if (n.kids.length) {
      tw.textContent = '\u25be';
      li.setAttribute('aria-expanded', 'true');
      const ul = el('ul');
      ul.setAttribute('role', 'group');
      for (const k of n.kids) {
        const child = buildNode(hier, k, depth + 1);
        ul.append(child);
        if (child.classList.contains('nomember') || child.classList.contains('hasleak')) leak = true;
      }
      li.append(ul);
      if (leak) li.classList.add('hasleak');
    }
    return li;
  }

  const trees = { user: $('tree-user'), pid: $('tree-pid') };
  const forests = {};
  for (const hier of ['user', 'pid']) {
    forests[hier] = forest(hier);
    const frag = document.createDocumentFragment();
    for (const n of forests[hier]) frag.append(buildNode(hier, n, 0));
    trees[hier].append(frag);
  }

  performance.mark('nsof-trees');

  // --- header and counts ---

  const about = [];
  if (doc.kernel_release) about.push('Linux ' + doc.kernel_release);
  if (doc.tool_version) about.push('namespaces_of ' + doc.tool_version);
  about.push(doc.namespaces.length + ' namespaces', (doc.tasks || []).length + ' tasks');
  if ((doc.skipped || []).length) about.push(doc.skipped.length + (doc.skipped.length === 1 ? ' process' : ' processes') + ' could not be inspected');
  const view = doc.view || {};
  if (view.subtree) about.push('subtree of ' + view.subtree.inode);
  $('about').textContent = about.join(' \u00b7 ');
  if (doc.kernel_release) document.title = 'namespaces_of \u00b7 Linux ' + doc.kernel_release;

  const counts = $('counts');
  const perType = {};
  let noMember = 0;
  for (const ns of doc.namespaces) {
    perType[ns.type] = (perType[ns.type] || 0) + 1;
    if (!ns.pids.length) noMember++;
  }
  counts.append(el('span', 'total', doc.namespaces.length + ' namespaces:'));
  for (const t of TYPES) {
    if (!perType[t]) continue;
    const b = el('button', 'count t-' + t, t + ' ' + perType[t]);
    b.type = 'button';
    b.dataset.type = t;
    if (t === 'user') {
      b.disabled = true;
      b.title = 'user namespaces are always shown';
    } else {
      b.setAttribute('aria-pressed', 'true');
      b.title = 'show or hide ' + TYPE_NAMES[t] + 's in the user-namespace tree';
      b.addEventListener('click', () => {
        const on = b.getAttribute('aria-pressed') !== 'true';
        b.setAttribute('aria-pressed', String(on));
        trees.user.classList.toggle('hide-' + t, !on);
      });
    }
    counts.append(b);
  }
  const leakButton = el('button', 'count leak', 'no member process ' + noMember);
  leakButton.type = 'button';
  leakButton.setAttribute('aria-pressed', 'false');
  leakButton.title = 'show only namespaces no process is a member of (and their ancestors)';
  leakButton.addEventListener('click', () => {
    const on = leakButton.getAttribute('aria-pressed') !== 'true';
    leakButton.setAttribute('aria-pressed', String(on));
    document.body.classList.toggle('leaks', on);
    trees.user.classList.toggle('leaks', on);
    trees.pid.classList.toggle('leaks', on);
  });
  counts.append(leakButton);

  // --- switching trees ---

  let current = view.hierarchy === 'pid' ? 'pid' : 'user';
  function showTree(hier) {
    current = hier;
    for (const h of ['user', 'pid']) {
      trees[h].hidden = h !== hier;
      $('tab-' + h).setAttribute('aria-selected', String(h === hier));
    }
    const empty = $('empty');
    empty.hidden = trees[hier].children.length > 0;
    empty.textContent = hier === 'pid' ? 'No PID namespaces in this scan.' : 'No namespaces in this scan.';
  }
  $('tab-user').addEventListener('click', () => showTree('user'));
  $('tab-pid').addEventListener('click', () => showTree('pid'));
  if (view.hierarchy === 'pid') $('tab-user').hidden = true;

  // --- expanding, focus and selection ---

  function setExpanded(li, on) {
    if (!li.hasAttribute('aria-expanded')) return;
    li.setAttribute('aria-expanded', String(on));
    li.firstChild.firstChild.textContent = on ? '\u25be' : '\u25b8';
  }
  function parentNode(li) {
    const ul = li.parentElement;
    return ul && ul.parentElement && ul.parentElement.classList.contains('node') ? ul.parentElement : null;
  }
  function reveal(li) {
    for (let p = parentNode(li); p; p = parentNode(p)) setExpanded(p, true);
  }
  $('expand').addEventListener('click', () => trees[current].querySelectorAll('li.node[aria-expanded]').forEach((li) => setExpanded(li, true)));
  $('collapse').addEventListener('click', () => trees[current].querySelectorAll('li.node[aria-expanded]').forEach((li) => setExpanded(li, false)));

  let focused = null;
  let selected = null;
  function focusNode(li, select) {
    if (!li) return;
    if (focused) focused.tabIndex = -1;
    focused = li;
    li.tabIndex = 0;
    li.focus({ preventScroll: true });
    li.firstChild.scrollIntoView({ block: 'nearest' });
    if (select) selectNode(li);
  }
  function selectNode(li) {
    if (selected) selected.removeAttribute('aria-selected');
    selected = li;
    li.setAttribute('aria-selected', 'true');
    showDetails(li.dataset.key);
  }
  function visibleNodes() {
    return Array.from(trees[current].querySelectorAll('li.node')).filter((li) => li.firstChild.offsetParent !== null);
  }

  for (const hier of ['user', 'pid']) {
    const tree = trees[hier];
    tree.addEventListener('click', (ev) => {
      const row = ev.target.closest('.row');
      if (!row) return;
      const li = row.parentElement;
      if (ev.target.classList.contains('tw')) setExpanded(li, li.getAttribute('aria-expanded') !== 'true');
      focusNode(li, true);
    });
    tree.addEventListener('dblclick', (ev) => {
      const row = ev.target.closest('.row');
      if (row) setExpanded(row.parentElement, row.parentElement.getAttribute('aria-expanded') !== 'true');
    });
    tree.addEventListener('keydown', (ev) => {
      const li = ev.target.closest('li.node');
      if (!li || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const list = () => visibleNodes();
      let target = null;
      switch (ev.key) {
        case 'ArrowDown': { const l = list(); target = l[l.indexOf(li) + 1]; break; }
        case 'ArrowUp': { const l = list(); target = l[l.indexOf(li) - 1]; break; }
        case 'Home': target = list()[0]; break;
        case 'End': { const l = list(); target = l[l.length - 1]; break; }
        case 'ArrowRight':
          if (li.getAttribute('aria-expanded') === 'false') setExpanded(li, true);
          else if (li.hasAttribute('aria-expanded')) target = list().find((x) => parentNode(x) === li);
          break;
        case 'ArrowLeft':
          if (li.getAttribute('aria-expanded') === 'true') setExpanded(li, false);
          else target = parentNode(li);
          break;
        case 'Enter': case ' ':
          setExpanded(li, li.getAttribute('aria-expanded') !== 'true');
          break;
        default:
          return;
      }
      ev.preventDefault();
      if (target) focusNode(target, true);
    });
  }

  // "/" focuses the search box. The slash itself must not land in it, even
  // where the key's character arrives as an event of its own.
  let slashFocus = false;
  document.addEventListener('keydown', (ev) => {
    if (ev.key === '/' && document.activeElement !== $('search')) {
      ev.preventDefault();
      slashFocus = true;
      $('search').focus();
      $('search').select();
    }
  });
  document.addEventListener('keyup', () => { slashFocus = false; });
  $('search').addEventListener('beforeinput', (ev) => {
    if (slashFocus && ev.data === '/') ev.preventDefault();
    slashFocus = false;
  });

  // Links to other namespaces are "#ns=DEV:INO"; the hash selects.
  function selectKey(key) {
    let hier = current;
    if (!nodesByKey[hier].has(key)) hier = hier === 'user' ? 'pid' : 'user';
    const li = nodesByKey[hier].get(key);
    if (!li) return false;
    if (hier !== current) showTree(hier);
    reveal(li);
    focusNode(li, true);
    return true;
  }
  function onHash() {
    const m = /^#ns=(\d+:\d+)$/.exec(location.hash);
    if (m) selectKey(m[1]);
  }
  window.addEventListener('hashchange', onHash);

  // --- details ---

  function nsLink(ref) {
    const key = keyOf(ref);
    const ns = byKey.get(key);
    if (!ns) return el('span', 'mono', '{' + ref.device + ' ' + ref.inode + '} (outside this view)');
    const a = el('a', 'mono', ns.type + ' ' + braces(ns));
    a.href = '#ns=' + key;
    return a;
  }
  function table(rows) {
    const t = el('table');
    for (const [k, v] of rows) {
      const tr = el('tr');
      tr.append(el('th', null, k));
      const td = el('td');
      if (v instanceof Node) td.append(v); else td.textContent = v;
      tr.append(td);
      t.append(tr);
    }
    return t;
  }
  function idMap(m) {
    if (m == null) return el('span', 'kind', 'unknown');
    if (!m.length) return el('span', 'kind', 'not written');
    const t = el('table', 'mono');
    const head = el('tr');
    head.append(el('th', null, 'inside'), el('th', null, 'outside'), el('th', null, 'count'));
    t.append(head);
    for (const r of m) {
      const tr = el('tr');
      for (const v of r) tr.append(el('td', 'num', v));
      t.append(tr);
    }
    return t;
  }
  function memberTable(pids, limit) {
    const t = el('table', 'members');
    const head = el('tr');
    head.append(el('th', null, 'PID'), el('th', null, 'command'), el('th', null, 'UID'), el('th', null, 'PID in its PID ns'));
    t.append(head);
    for (const pid of pids.slice(0, limit)) {
      const task = tasks.get(pid);
      const tr = el('tr');
      tr.dataset.pid = String(pid);
      const c = task && task.comm ? safeText(task.comm) : '?';
      tr.append(el('td', 'num', pid), el('td', 'comm lit', c), el('td', 'num', task && task.uid != null ? task.uid : ''),
        el('td', 'num', task && task.nstgid && task.nstgid.length > 1 ? task.nstgid[task.nstgid.length - 1] : ''));
      t.append(tr);
    }
    return t;
  }

  function showDetails(key) {
    const pane = $('details');
    pane.replaceChildren();
    pane.dataset.key = key;
    if (key === INVISIBLE) {
      pane.append(el('h2', null, '[invisible ancestor user NS]'),
        el('p', null, 'These namespaces are owned by a user namespace the scanner cannot see: an ancestor of the user namespace it ran in.'));
      return;
    }
    const ns = byKey.get(key);
    if (!ns) return;
    pane.append(el('h2', 't-' + ns.type, ns.type + ':[' + ns.inode + ']'));
    const rows = [['type', TYPE_NAMES[ns.type] || ns.type], ['identity', braces(ns) + '  (device, inode)'], ['NSID', ns.nsid == null ? 'unknown' : ns.nsid]];
    if (ns.type === 'user' || ns.type === 'pid') rows.push(['parent', ns.parent ? nsLink(ns.parent) : 'none (topmost visible)']);
    if (ns.type !== 'user') rows.push(['owner', ns.owner ? nsLink(ns.owner) : 'not visible (an ancestor of the scanner\'s user namespace)']);
    if (ns.type === 'user') rows.push(['creator UID', ns.creator_uid == null ? 'unknown' : ns.creator_uid]);
    pane.append(table(rows));
    if (ns.type === 'user') {
      pane.append(el('h3', null, 'UID map'), idMap(ns.uid_map), el('h3', null, 'GID map'), idMap(ns.gid_map));
    }

    const wl = workloadsOf(ns);
    if (wl.length) {
      pane.append(el('h3', null, 'Workloads (' + wl.length + ')'));
      const ul = el('ul', 'workloads');
      for (const w of wl) ul.append(el('li', 'wl lit', safeText(workloadLabel(w))));
      pane.append(ul);
    }

    pane.append(el('h3', null, 'Members (' + ns.pids.length + (ns.pids.length === 1 ? ' process)' : ' processes)')));
    if (ns.pids.length) {
      const tbl = memberTable(ns.pids, MEMBER_ROWS);
      pane.append(tbl);
      if (ns.pids.length > MEMBER_ROWS) {
        const more = el('button', 'more', 'show all ' + ns.pids.length);
        more.type = 'button';
        more.addEventListener('click', () => { tbl.replaceWith(memberTable(ns.pids, Infinity)); more.remove(); });
        pane.append(more);
      }
    }
    const threads = (ns.threads || []).filter((t) => t.tid !== t.pid);
    if (threads.length) {
      pane.append(el('h3', null, 'Other threads (' + threads.length + ')'));
      const ul = el('ul', 'threads mono');
      for (const t of threads.slice(0, MEMBER_ROWS)) ul.append(el('li', null, 'TID ' + t.tid + ' of PID ' + t.pid + (comm(t.pid) ? ' (' + safeText(comm(t.pid)) + ')' : '')));
      pane.append(ul);
    }

    const lines = holderLines(ns);
    pane.append(el('h3', null, lines.length ? 'Held by (' + lines.length + ')' : 'Held by'));
    if (lines.length) {
      const ul = el('ul', 'holders');
      for (const l of lines) ul.append(el('li', 'holder lit', l));
      pane.append(ul);
    } else {
      pane.append(el('p', 'kind', ns.pids.length ? 'its member processes only' : 'nothing that the scan found'));
    }

    const desc = (ns.descendants || []).slice().map((r) => byKey.get(keyOf(r)) || null).filter(Boolean).sort(siblingCmp);
    if (desc.length) {
      pane.append(el('h3', null, (ns.type === 'user' ? 'Owns and parents' : 'Children') + ' (' + desc.length + ')'));
      const ul = el('ul');
      for (const d of desc.slice(0, MEMBER_ROWS)) { const li = el('li'); li.append(nsLink(d)); ul.append(li); }
      pane.append(ul);
    }
  }

  // --- search ---

  // A query is one of: a number (an inode, an NSID, a member PID or TID, or
  // a holder's PID), "type:[inode]", "pid:N", "ino:N", "nsid:N", or text:
  // a case-insensitive part of a member's or holder's command, a bind-mount
  // path, or a workload's name, ID, pod or unit.
  const pidSets = new Map();
  function pidSet(ns) {
    let s = pidSets.get(ns);
    if (!s) {
      s = new Set(ns.pids);
      for (const t of ns.threads || []) s.add(t.tid);
      for (const h of ns.holders) if (h.pid != null) s.add(h.pid);
      pidSets.set(ns, s);
    }
    return s;
  }
  const texts = new Map();
  function textOf(ns) {
    let s = texts.get(ns);
    if (s === undefined) {
      const parts = [];
      for (const pid of ns.pids) { const c = comm(pid); if (c) parts.push(c); }
      for (const h of ns.holders) {
        if (h.path) parts.push(h.path);
        if (h.pid != null && comm(h.pid)) parts.push(comm(h.pid));
      }
      for (const w of workloadsOf(ns)) {
        strings(w, parts, 0);
        if (typeof w === 'object') parts.push(workloadLabel(w), podText(w.pod));
      }
      s = parts.join('\n').toLowerCase();
      texts.set(ns, s);
    }
    return s;
  }
  function matcher(q) {
    q = q.trim();
    if (!q) return null;
    let m;
    if ((m = /^([a-z]+):\[(\d+)\]$/i.exec(q))) { const [, t, ino] = m; return (ns) => ns.type === t.toLowerCase() && String(ns.inode) === ino; }
    if ((m = /^(pid|ino|inode|nsid):\s*(\d+)$/i.exec(q))) {
      const what = m[1].toLowerCase(), n = m[2];
      if (what === 'pid') return (ns) => pidSet(ns).has(Number(n));
      if (what === 'nsid') return (ns) => ns.nsid != null && String(ns.nsid) === n;
      return (ns) => String(ns.inode) === n;
    }
    if (/^\d+$/.test(q)) return (ns) => String(ns.inode) === q || (ns.nsid != null && String(ns.nsid) === q) || pidSet(ns).has(Number(q));
    const lower = q.toLowerCase();
    return (ns) => textOf(ns).includes(lower);
  }

  let searchTimer = 0;
  function runSearch() {
    const match = matcher($('search').value);
    let first = null, count = 0;
    for (const hier of ['user', 'pid']) {
      for (const li of trees[hier].querySelectorAll('li.node.hit')) li.classList.remove('hit');
      if (!match) continue;
      for (const [key, li] of nodesByKey[hier]) {
        if (!match(byKey.get(key))) continue;
        li.classList.add('hit');
        reveal(li);
        if (hier === current) { count++; if (!first) first = li; }
      }
    }
    $('hits').textContent = match ? (count ? count + (count === 1 ? ' match' : ' matches') : 'no match') : '';
    if (first) first.firstChild.scrollIntoView({ block: 'nearest' });
    document.body.dataset.search = $('search').value;
  }
  $('search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, doc.namespaces.length > 2000 ? 150 : 0);
  });
  $('search').addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      $('search').value = '';
      runSearch();
      focusNode(focused || trees[current].querySelector('li.node'), false);
    } else if (ev.key === 'Enter') {
      clearTimeout(searchTimer);
      runSearch();
      const hits = Array.from(trees[current].querySelectorAll('li.node.hit'));
      if (hits.length) focusNode(hits[(hits.indexOf(selected) + 1) % hits.length], true);
    } else if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      clearTimeout(searchTimer);
      runSearch();
      focusNode(trees[current].querySelector('li.node.hit') || trees[current].querySelector('li.node'), true);
    }
  });

  showTree(current);
  const start = trees[current].querySelector('li.node');
  if (start) { start.tabIndex = 0; focused = start; }
  if (location.hash) onHash();
  requestAnimationFrame(() => setTimeout(() => {
    document.body.dataset.nodes = String(nodeCount);
    document.body.dataset.ready = String(Math.round(performance.now()));
  }, 0));
})();
