// btpcert's page and reports. Everything shown here is drawn from the
// outcomes the command line prints with --json: this script decides
// nothing; it only draws. In a report the outcome is embedded in the file
// (#btpcert-data); on the page served by `btpcert serve` it comes from the
// local server, which runs the same operations as the command line.
'use strict';

(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const MARK = { ok: '✓', warn: '⚠', fail: '✗' };
  const WORD = { ok: 'ok', warn: 'warning', fail: 'problem' };
  const RANK = { ok: 0, warn: 1, fail: 2 };
  const DAY = 86400000;
  const LIMIT = 16 * 1024 * 1024;
  const SCENARIOS = {
    iflow: 'direct client-certificate call to an integration flow',
    token: 'certificate-based token request, OAuth client credentials',
    server: "server chain a sender's truststore must accept",
  };
  const FORMS = {
    cockpit: 'service key JSON (cockpit)',
    'cf-v7': 'cf service-key output (cf v6/v7)',
    'cf-v8': 'cf service-key output (cf v8)',
    'cf-json': 'cf service-key --json output',
    btp: 'btp binding JSON',
    flat: 'service key JSON (flat)',
    pem: 'PEM text',
    der: 'DER certificate',
    pkcs12: 'PKCS#12 keystore',
    jks: 'JKS keystore',
    pkcs7: 'PKCS#7 certificates (DER)',
  };
  const KINDS = {
    certificate: 'Certificate (SAP-generated key and certificate)',
    'external-certificate': 'External Certificate (your own certificate)',
    'client-secret': 'ClientId/Secret (no certificate)',
  };

  // ---- small DOM helpers ------------------------------------------------

  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  function append(e, kids) {
    for (const k of kids.flat(3)) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    append(e, kids);
    return e;
  }
  function sv(tag, attrs, ...kids) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    append(e, kids);
    return e;
  }
  const $ = (sel) => document.querySelector(sel);

  function worst(list) {
    let s = 'ok';
    for (const x of list) if (x && RANK[x] !== undefined && RANK[x] > RANK[s]) s = x;
    return s;
  }
  function mark(status) {
    return el('span', { class: 'mark s-' + status, title: WORD[status] || status }, MARK[status] || '?');
  }
  function parseTime(s) {
    if (!s) return null;
    const t = Date.parse(s);
    return isNaN(t) ? null : t;
  }
  function cut(s, n) {
    s = String(s || '');
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }
  function cnOf(dn) {
    const m = /(?:^|,\s*)CN=([^,]*)/.exec(dn || '');
    return m ? m[1] : dn || '';
  }
  function yn(v) {
    if (v === true) return [mark('ok'), ' yes'];
    if (v === false) return [mark('fail'), ' no'];
    return '–';
  }
  function checkList(checks) {
    return el(
      'ul',
      { class: 'checks' },
      (checks || []).map((c) =>
        el(
          'li',
          { 'data-check': c.id, 'data-status': c.status },
          mark(c.status),
          ' ',
          c.message || '',
          el('span', { class: 'id' }, c.id || '')
        )
      )
    );
  }
  // Notes the command would print on standard error (an empty list when none).
  function noteList(notes) {
    if (!notes || !notes.length) return [];
    return [el('ul', { class: 'note' }, notes.map((n) => el('li', {}, n)))];
  }

  // ---- the chain picture ------------------------------------------------

  // A certificate as the picture draws it.
  function cert(fields) {
    return Object.assign(
      {
        fingerprint: '',
        title: '',
        subject: '',
        issuer: '',
        role: '',
        origin: '',
        notBefore: null,
        notAfter: null,
        daysLeft: null,
        validity: 'ok',
        status: 'ok',
        problems: [],
        lists: [],
        notOn: [],
        lookAlike: null,
      },
      fields
    );
  }

  function chainFromVerify(v, inspect, at) {
    const infos = {};
    for (const f of (inspect && inspect.files) || [])
      for (const c of f.certificates || []) infos[c.fingerprint_sha256] = c;
    const certs = (v.certificates || []).map((c) => {
      const info = infos[c.fingerprint_sha256] || {};
      const checks = c.checks || [];
      const notAfter = parseTime(c.not_after || info.not_after);
      const validity = checks.find((x) => x.id === 'validity');
      return cert({
        fingerprint: c.fingerprint_sha256 || '',
        title: info.common_name || cnOf(c.subject_dn),
        subject: c.subject_dn || '',
        issuer: c.issuer_dn || '',
        role: c.role || '',
        origin: c.origin || '',
        notBefore: parseTime(info.not_before),
        notAfter,
        daysLeft: notAfter === null ? null : Math.trunc((notAfter - at) / DAY),
        validity: validity ? validity.status : 'ok',
        status: worst(checks.map((x) => x.status)),
        problems: checks.filter((x) => x.status !== 'ok'),
      });
    });
    for (const s of v.scenarios || []) {
      if (s.anchor) {
        const t = certs.find((c) => c.fingerprint === s.anchor.fingerprint_sha256);
        if (t) for (const l of s.anchor.lists || []) if (!t.lists.includes(l)) t.lists.push(l);
      }
      for (const t of (s.checks || []).filter((x) => (x.id === 'root-trusted' || x.id === 'ca-trusted') && x.status !== 'ok')) {
        if (certs.length < 2) continue;
        const top = certs[certs.length - 1];
        // The list the check names ("is not on btp-approved"), else the scenario's.
        const named = /is not on ([a-z0-9-]+)/.exec(t.message || '');
        const list = named ? named[1] : s.list;
        if (!top.notOn.includes(list)) top.notOn.push(list);
        top.status = worst([top.status, t.status]);
        top.notOnStatus = worst([top.notOnStatus || 'ok', t.status]);
        if (/not the CA SAP trusts under that name/.test(t.message || '')) {
          const by = certs.find((c) => (t.message || '').includes("'" + c.title + "'"));
          (by || top).lookAlike = t.message;
          (by || top).status = 'fail';
        }
      }
    }
    return certs;
  }

  function chainFromConnectivity(c, at) {
    const links = c.links || [];
    return links.map((l) => {
      const root = l.role === 'root' && c.root ? c.root : null;
      const lists = root ? root.lists || [] : [];
      const notAfter = root ? parseTime(root.not_after) : null;
      return cert({
        notAfter,
        daysLeft: notAfter === null ? null : Math.trunc((notAfter - at) / DAY),
        validity: notAfter !== null && notAfter < at ? 'fail' : 'ok',
        fingerprint: root ? root.fingerprint_sha256 : '',
        title: cnOf(l.subject_dn),
        subject: l.subject_dn,
        role: l.role,
        origin: 'zip',
        status: root && !lists.length ? 'fail' : 'ok',
        lists,
        notOn: root && !lists.length ? ['any SAP list'] : [],
        lookAlike: root && root.look_alike_of ? 'it carries the name of a CA SAP lists, but SAP\'s is ' + root.look_alike_of : null,
      });
    });
  }

  function chainFromInspect(f) {
    return (f.certificates || []).map((c) => {
      const bad = c.expired || c.not_yet_valid;
      return cert({
        fingerprint: c.fingerprint_sha256 || '',
        title: c.common_name || cnOf(c.subject_dn),
        subject: c.subject_dn,
        issuer: c.issuer_dn,
        role: c.is_ca ? (c.self_signed ? 'root' : 'CA') : 'end entity',
        notBefore: parseTime(c.not_before),
        notAfter: parseTime(c.not_after),
        daysLeft: c.days_left,
        validity: bad ? 'fail' : 'ok',
        status: bad ? 'fail' : 'ok',
        problems: c.expired
          ? [{ status: 'fail', message: 'expired' }]
          : c.not_yet_valid
            ? [{ status: 'fail', message: 'not yet valid' }]
            : [],
      });
    });
  }

  const ORIGIN = {
    'roots-file': 'from --roots',
    system: "from the system's CA bundle",
    zip: 'from the archive',
  };

  // One svg#chain: a box per certificate, leaf first, with "signed by"
  // arrows; groups (a file, an archive) one below the other.
  function drawChain(groups, at, id) {
    const W = 760;
    const svg = sv('svg', {
      id: id || null,
      class: 'chain',
      xmlns: SVG,
      width: W,
      role: 'group',
      'aria-label': 'The chain, leaf first: one box per certificate',
    });
    let y = 8;
    let n = 0;
    for (const g of groups) {
      if (g.label) {
        svg.append(sv('text', { x: 10, y: y + 16, class: 'title' }, g.label));
        y += 28;
      }
      if (!g.certs.length) {
        svg.append(sv('text', { x: 20, y: y + 14, class: 'small' }, 'no certificate'));
        y += 30;
      }
      const maxLeft = Math.max(1, ...g.certs.map((c) => (c.daysLeft > 0 ? c.daysLeft : 0)));
      g.certs.forEach((c, i) => {
        if (i > 0) {
          const linked = g.byName ? g.certs[i - 1].issuer === c.subject : true;
          svg.append(arrow(y, linked));
          y += 40;
        }
        n += 1;
        const box = certBox(c, n, y, at, maxLeft);
        svg.append(box.node);
        y += box.height;
      });
      y += 18;
    }
    svg.setAttribute('height', y);
    svg.setAttribute('viewBox', `0 0 ${W} ${y}`);
    return svg;
  }

  function arrow(y, linked) {
    const x = 60;
    return sv(
      'g',
      { class: 'link', 'aria-hidden': 'true' },
      sv('line', { x1: x, y1: y + 4, x2: x, y2: y + 30, class: 'arrow', 'stroke-dasharray': linked ? null : '4 3' }),
      sv('path', { d: `M ${x - 6} ${y + 28} L ${x} ${y + 37} L ${x + 6} ${y + 28} Z`, class: 'arrowhead' }),
      sv('text', { x: x + 14, y: y + 24, class: 'small' }, linked ? 'signed by' : 'next in the file (not its issuer)')
    );
  }

  function validityText(c) {
    if (c.notAfter === null) return 'validity unknown';
    const date = new Date(c.notAfter).toISOString().slice(0, 10);
    if (c.daysLeft === null) return 'valid until ' + date;
    if (c.daysLeft < 0) return `EXPIRED ${-c.daysLeft} days ago (${date})`;
    return `valid until ${date} · ${c.daysLeft} days left`;
  }

  function certBox(c, n, y, at, maxLeft) {
    const x = 20;
    const w = 720;
    const lines = [];
    if (c.lists.length) lines.push({ status: 'ok', text: 'on SAP list ' + c.lists.join(', ') });
    if (c.notOn.length) lines.push({ status: c.notOnStatus || 'fail', text: 'not on ' + c.notOn.join(', ') });
    if (c.lookAlike) lines.push({ status: 'fail', text: 'look-alike: ' + c.lookAlike });
    for (const p of c.problems) lines.push({ status: p.status, text: p.message });
    const height = 92 + lines.length * 17;
    const label = `${n}. ${c.role || 'certificate'}: ${c.subject || c.title}; ${validityText(c)}; ${WORD[c.status] || c.status}`;
    const g = sv('g', {
      'data-role': 'certificate',
      'data-fingerprint': c.fingerprint,
      'data-position': n,
      'data-status': c.status,
      tabindex: 0,
      role: 'group',
      'aria-label': label,
    });
    g.append(sv('title', {}, label));
    g.append(sv('rect', { x, y, width: w, height, rx: 8, class: 'box box-' + c.status }));
    const role = (c.role || 'certificate').toUpperCase() + (ORIGIN[c.origin] ? ' · ' + ORIGIN[c.origin] : '');
    g.append(sv('text', { x: x + 14, y: y + 18, class: 'role' }, role));
    g.append(
      sv('text', { x: x + w - 14, y: y + 22, 'text-anchor': 'end', class: 'mark s-' + c.status }, MARK[c.status] + ' ' + (WORD[c.status] || ''))
    );
    g.append(sv('text', { x: x + 14, y: y + 38, class: 'title' }, cut(c.title, 80)));
    g.append(sv('text', { x: x + 14, y: y + 55, class: 'small' }, cut(c.subject, 100)));
    // The validity bar: used time grey, time left coloured, a tick at the check's time.
    const bx = x + 14;
    const by = y + 66;
    const bw = 380;
    g.append(sv('rect', { x: bx, y: by, width: bw, height: 10, rx: 3, class: 'bar-bg' }));
    if (c.notBefore !== null && c.notAfter !== null && c.notAfter > c.notBefore) {
      const f = Math.min(1, Math.max(0, (at - c.notBefore) / (c.notAfter - c.notBefore)));
      g.append(sv('rect', { x: bx, y: by, width: bw * f, height: 10, class: 'bar-used' }));
      g.append(sv('rect', { x: bx + bw * f, y: by, width: bw * (1 - f), height: 10, class: 'bar-left bar-' + c.validity }));
      g.append(sv('line', { x1: bx + bw * f, y1: by - 3, x2: bx + bw * f, y2: by + 13, class: 'now' }));
    } else if (c.daysLeft !== null) {
      const f = Math.min(1, Math.max(0, c.daysLeft / maxLeft));
      g.append(sv('rect', { x: bx, y: by, width: bw * f, height: 10, class: 'bar-left bar-' + c.validity }));
    }
    g.append(
      sv('text', { x: bx + bw + 12, y: by + 9, class: 'small', 'data-days-left': c.daysLeft === null ? null : c.daysLeft }, validityText(c))
    );
    lines.forEach((l, i) => {
      g.append(
        sv('text', { x: x + 14, y: y + 98 + i * 17, class: 'problem s-' + l.status }, MARK[l.status] + ' ' + cut(l.text, 118))
      );
    });
    return { node: g, height };
  }

  // ---- verdicts -----------------------------------------------------------

  function countChecks(v) {
    const all = [].concat(
      ...(v.certificates || []).map((c) => c.checks || []),
      v.chain || [],
      ...(v.scenarios || []).map((s) => s.checks || [])
    );
    return {
      fail: all.filter((c) => c.status === 'fail').length,
      warn: all.filter((c) => c.status === 'warn').length,
    };
  }

  function resultLine(status, counts) {
    if (status === 'ok') return MARK.ok + ' all checks passed';
    if (status === 'warn') return `${MARK.warn} passed with ${counts.warn} warning${counts.warn === 1 ? '' : 's'}`;
    return `${MARK.fail} ${counts.fail} problem${counts.fail === 1 ? '' : 's'}, ${counts.warn} warning${counts.warn === 1 ? '' : 's'}`;
  }

  function verdictBlock(attrs, status, heading, checks, extra) {
    return el(
      'div',
      Object.assign({ class: 'verdict', 'data-status': status }, attrs),
      el('h3', {}, mark(status), ' ', heading),
      checkList(checks),
      extra || null
    );
  }

  // Each scenario's verdict first, then the chain's and each certificate's checks.
  function verifyVerdicts(v) {
    const out = [];
    for (const s of v.scenarios || []) {
      const anchor = s.anchor ? ` — trusted through '${cnOf(s.anchor.subject_dn)}' (${(s.anchor.lists || []).join(', ')})` : '';
      out.push(
        verdictBlock(
          { 'data-scenario': s.scenario },
          s.status,
          `Scenario ${s.scenario} (${SCENARIOS[s.scenario] || s.scenario}, list ${s.list})${anchor}`,
          s.checks
        )
      );
    }
    out.push(
      verdictBlock({ 'data-block': 'chain' }, worst((v.chain || []).map((c) => c.status)), 'The chain as a whole', v.chain)
    );
    if ((v.unrelated || []).length) {
      out.push(el('p', { class: 'note' }, 'Certificates on no path from the leaf: ' + v.unrelated.join('; ')));
    }
    for (const c of v.certificates || []) {
      out.push(
        verdictBlock(
          { 'data-block': 'certificate', 'data-fingerprint': c.fingerprint_sha256 || '' },
          worst((c.checks || []).map((x) => x.status)),
          `${c.position}. ${c.role}: ${cnOf(c.subject_dn)}`,
          c.checks
        )
      );
    }
    return out;
  }

  // A truststore's verdict as `btpcert verify` prints it: the scenario's
  // list covered or not, then each certificate with the lists it is on.
  function truststoreVerdict(t) {
    const listStatus = t.status === 'fail' ? 'fail' : /expired/.test(t.summary || '') ? 'warn' : 'ok';
    const checks = [{ status: listStatus, id: 'list-covered', message: t.summary }].concat(
      (t.warnings || []).map((w) => ({ status: 'warn', id: 'java-trust', message: w }))
    );
    const certs = (t.certificates || []).map((c) => {
      const lists = c.lists || [];
      const day = String(c.not_after || '').slice(0, 10);
      return el(
        'li',
        { 'data-fingerprint': c.fingerprint_sha256, 'data-on-list': lists.includes(t.list) },
        `[${c.alias || '-'}] ${cnOf(c.subject_dn)}: `,
        lists.length ? 'on ' + lists.join(', ') : 'on no SAP list',
        c.expired ? `; expired ${day}` : `; valid until ${day}`,
        c.java_trusted ? '' : '; not listed by Java as trusted'
      );
    });
    return verdictBlock(
      { 'data-block': 'truststore', 'data-scenario': t.scenario },
      t.status,
      `Truststore ${(t.truststores || []).join(', ')}: scenario ${t.scenario} (${SCENARIOS[t.scenario] || t.scenario}, list ${t.list})`,
      checks,
      el('ul', { class: 'certs' }, certs)
    );
  }

  function externalVerdict(x) {
    const extra = x.parameters
      ? el('div', {}, el('p', {}, 'Parameters for the service key (params.json):'), el('pre', { class: 'mono' }, JSON.stringify(x.parameters, null, 2)))
      : el('p', { class: 'muted' }, 'No parameters while a check fails.');
    return verdictBlock(
      { 'data-scenario': 'external' },
      x.status,
      'check-external: fit for an External Certificate key' + (x.leaf ? ` ('${cnOf(x.leaf.subject_dn)}')` : ''),
      x.checks,
      extra
    );
  }

  function connectivityVerdict(c) {
    const checks = [];
    if (c.problem) checks.push({ status: 'fail', id: 'root', message: c.problem });
    if (c.root) {
      const lists = c.root.lists || [];
      checks.push(
        lists.length
          ? { status: 'ok', id: 'root-listed', message: `root '${cnOf(c.root.subject_dn)}' is on ${lists.join(', ')}` }
          : { status: 'fail', id: 'root-listed', message: `root '${cnOf(c.root.subject_dn)}' is not on any SAP list (btp-required, btp-approved, xsuaa-x509)` }
      );
    }
    return verdictBlock({ 'data-block': 'connectivity', 'data-zip': c.zip }, c.status, 'Connectivity Test download ' + c.zip, checks);
  }

  // ---- what the files are -------------------------------------------------

  function fileFacts(f) {
    if (f.error) return el('div', { class: 'file' }, el('h3', {}, mark('fail'), ' ', f.file), el('p', { class: 'error' }, f.error));
    const rows = [['form', FORMS[f.form] || f.form || 'unknown']];
    const sk = f.service_key;
    if (sk) {
      rows.push(['kind', KINDS[sk.kind] || sk.kind]);
      if (sk.clientid) rows.push(['clientid', sk.clientid]);
      if (sk.url_host) rows.push(['url host', sk.url_host]);
      if (sk.tokenurl_host) rows.push(['tokenurl host', sk.tokenurl_host]);
      if (sk.certificate_pinning !== null && sk.certificate_pinning !== undefined) rows.push(['pinning', String(sk.certificate_pinning)]);
    }
    rows.push(['certificates', String((f.certificates || []).length)]);
    const k = f.private_key;
    if (k) {
      const what = k.key ? `${k.key.algorithm} ${k.key.bits || ''}${k.key.curve ? ' ' + k.key.curve : ''}` : 'encrypted (not decrypted)';
      const match = k.matches_leaf === true ? ', matches the leaf' : k.matches_leaf === false ? ', DOES NOT match the leaf' : '';
      rows.push(['private key', `${what} (${k.format})${match}`]);
    }
    return el(
      'div',
      { class: 'file', 'data-file': f.file },
      el('h3', {}, f.file),
      el('dl', { class: 'facts' }, rows.map(([a, b]) => [el('dt', {}, a), el('dd', {}, b)]))
    );
  }

  // ---- the page served by `btpcert serve` --------------------------------

  function initPage() {
    const token = new URLSearchParams(location.search).get('token') || '';
    let dropped = [];
    let seq = 0;
    let last = null;
    let timer = null;

    function chosenFiles() {
      return Array.from($('#files').files || []).concat(dropped);
    }

    function showFiles() {
      const list = $('#filelist');
      list.replaceChildren(...chosenFiles().map((f) => el('li', {}, `${f.name} (${f.size} bytes)`)));
    }

    function b64(bytes) {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(s);
    }

    async function collect() {
      const files = [];
      const text = $('#servicekey').value;
      if (text.trim()) files.push({ name: 'pasted text', data: b64(new TextEncoder().encode(text)) });
      let total = text.length;
      for (const f of chosenFiles()) {
        total += f.size;
        if (total > (LIMIT * 3) / 4) throw new Error(`${f.name}: the files together are larger than 12 MiB, more than btpcert reads at once here`);
        files.push({ name: f.name, data: b64(new Uint8Array(await f.arrayBuffer())) });
      }
      return { files, open_password: $('#open-password').value, scenario: $('#scenario').value };
    }

    async function api(path, body) {
      const r = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Btpcert-Token': token },
        body: JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
      let j = null;
      try {
        j = await r.json();
      } catch (e) {
        throw new Error(`the server answered ${r.status}`);
      }
      if (!r.ok) throw new Error((j && j.error) || `the server answered ${r.status}`);
      return j;
    }

    async function check() {
      const mine = ++seq;
      resetDownloads();
      let body;
      try {
        body = await collect();
      } catch (e) {
        $('#busy').textContent = e.message;
        return;
      }
      if (!body.files.length) {
        $('#result').hidden = true;
        $('#busy').textContent = '';
        return;
      }
      $('#busy').textContent = 'checking…';
      const started = performance.now();
      try {
        const out = await api('/api/check', body);
        if (mine !== seq) return;
        last = { body, out };
        render(out);
        $('#busy').textContent = `checked in ${Math.round(performance.now() - started)} ms`;
        document.body.dataset.checked = String(mine);
      } catch (e) {
        if (mine !== seq) return;
        $('#busy').textContent = '';
        $('#result').hidden = false;
        $('#status').dataset.status = 'fail';
        $('#status').textContent = MARK.fail + ' ' + e.message;
      }
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(check, 500);
    }

    function render(out) {
      $('#result').hidden = false;
      const at = parseTime(out.at) || Date.now();
      const statuses = [];
      const summary = $('#summary');
      summary.replaceChildren(el('h2', {}, 'What was read'));
      for (const f of (out.inspect && out.inspect.files) || []) summary.append(fileFacts(f));
      const groups = [];
      const verdicts = [];
      let counts = { fail: 0, warn: 0 };
      if (out.verify) {
        if (out.verify.outcome) {
          const v = out.verify.outcome;
          statuses.push(v.status);
          counts = countChecks(v);
          groups.push({ label: null, certs: chainFromVerify(v, out.inspect, at) });
          verdicts.push(...verifyVerdicts(v));
        } else {
          statuses.push('fail');
          summary.append(el('p', { class: 'error' }, MARK.fail + ' ' + out.verify.error));
        }
        summary.append(...noteList(out.verify.notes));
      }
      if (out.truststore) {
        if (out.truststore.outcome) {
          statuses.push(out.truststore.outcome.status);
          verdicts.push(truststoreVerdict(out.truststore.outcome));
        } else {
          statuses.push('fail');
          summary.append(el('p', { class: 'error' }, MARK.fail + ' ' + out.truststore.error));
        }
        summary.append(...noteList(out.truststore.notes));
      }
      for (const c of out.connectivity || []) {
        if (c.outcome) {
          statuses.push(c.outcome.status);
          groups.push({ label: c.outcome.zip, certs: chainFromConnectivity(c.outcome, at) });
          verdicts.push(connectivityVerdict(c.outcome));
          summary.append(...noteList(c.notes));
        } else {
          statuses.push('fail');
          summary.append(el('p', { class: 'error' }, MARK.fail + ' ' + c.error));
        }
      }
      if (out.external) {
        if (out.external.outcome) {
          statuses.push(out.external.outcome.status);
          verdicts.push(externalVerdict(out.external.outcome));
        } else {
          summary.append(el('p', { class: 'error' }, MARK.fail + ' ' + out.external.error));
        }
      }
      const status = worst(statuses);
      $('#status').dataset.status = status;
      $('#status').textContent = out.verify && out.verify.outcome ? 'Result: ' + resultLine(status, counts) : `${MARK[status]} ${WORD[status]}`;
      $('#picture').replaceChildren(drawChain(groups, at, 'chain'));
      $('#verdicts').replaceChildren(...verdicts);
      offerDownloads(out);
    }

    // Downloads: each link asks the server to run the command's operation
    // with the password typed, then saves the file it planned.
    const OFFERS = [
      { id: 'p12', kind: 'p12', file: 'client.p12', cmd: 'btpcert p12 INPUT -o client.p12', when: 'key' },
      { id: 'p12-compat', kind: 'p12-compat', file: 'client-compat.p12', cmd: 'btpcert p12 INPUT -o client-compat.p12 --profile compat', when: 'key' },
      { id: 'postman', kind: 'postman', file: 'client.pfx', cmd: 'btpcert postman KEY -o postman (client.pfx)', when: 'certkey' },
      { id: 'postman-crt', kind: 'postman', file: 'client.crt', cmd: 'btpcert postman KEY -o postman (client.crt)', when: 'certkey' },
      { id: 'postman-key', kind: 'postman', file: 'client.key', cmd: 'btpcert postman KEY -o postman (client.key)', when: 'certkey' },
      { id: 'postman-collection', kind: 'postman', file: 'btpcert.postman_collection.json', cmd: 'btpcert postman KEY -o postman (collection)', when: 'servicekey' },
      { id: 'pem', kind: 'pem', file: 'certificate.pem', cmd: 'btpcert extract INPUT -o pem (certificate.pem)', when: 'certs' },
      { id: 'pem-key', kind: 'pem', file: 'key.pem', cmd: 'btpcert extract INPUT -o pem (key.pem)', when: 'key' },
      { id: 'truststore', kind: 'truststore', file: 'truststore.p12', cmd: 'btpcert truststore FILES -o truststore.p12', when: 'ca' },
      { id: 'params', kind: 'params', file: 'params.json', cmd: 'btpcert check-external CERT -o params.json', when: 'params' },
      { id: 'root', kind: 'root', file: 'root.pem', cmd: 'btpcert connectivity ZIP -o root', when: 'zip' },
    ];

    function offerDownloads(out) {
      const files = (out.inspect && out.inspect.files) || [];
      const readable = files.filter((f) => !f.error);
      const kinds = readable.map((f) => f.service_key && f.service_key.kind).filter(Boolean);
      const has = {
        key: readable.some((f) => f.private_key) && readable.some((f) => (f.certificates || []).length),
        certkey: kinds.some((k) => k !== 'client-secret') && readable.some((f) => f.private_key),
        servicekey: kinds.length > 0,
        certs: readable.some((f) => (f.certificates || []).length),
        ca: readable.some((f) => (f.certificates || []).some((c) => c.is_ca)) || (out.connectivity || []).some((c) => c.outcome && c.outcome.root),
        params: !!(out.external && out.external.outcome && out.external.outcome.parameters),
        zip: (out.connectivity || []).some((c) => c.outcome && c.outcome.root),
      };
      const list = $('#download-list');
      list.replaceChildren(
        ...OFFERS.filter((o) => has[o.when]).map((o) =>
          el(
            'li',
            {},
            el('a', { href: '#', download: o.file, 'data-file': o.id, 'data-kind': o.kind, class: 'button secondary', onclick: onDownload }, o.file),
            el('span', { class: 'why mono' }, o.cmd)
          )
        )
      );
      if (!list.children.length) list.append(el('li', { class: 'muted' }, 'No file can be built from this input.'));
      $('#downloads').hidden = false;
    }

    function resetDownloads() {
      for (const a of document.querySelectorAll('a[data-file]')) {
        if (a.dataset.ready) URL.revokeObjectURL(a.href);
        delete a.dataset.ready;
        a.setAttribute('href', '#');
      }
      $('#download-message').textContent = '';
    }

    async function onDownload(ev) {
      const a = ev.currentTarget;
      if (a.dataset.ready) return;
      ev.preventDefault();
      if (!last || a.dataset.busy) return;
      a.dataset.busy = '1';
      const msg = $('#download-message');
      msg.replaceChildren('building ' + a.getAttribute('download') + '…');
      const body = Object.assign({}, last.body, {
        kind: a.dataset.kind,
        file: a.getAttribute('download'),
        password: $('#password').value,
        no_password: $('#no-password').checked,
        allow_incomplete: $('#allow-incomplete').checked,
      });
      try {
        const d = await api('/api/download', body);
        const bin = atob(d.data);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
        a.dataset.ready = '1';
        msg.replaceChildren(el('span', {}, mark('ok'), ` ${d.file} is ready (${bytes.length} bytes)`), ...noteList(d.notes));
        a.click();
      } catch (e) {
        msg.replaceChildren(el('p', { class: 'error' }, MARK.fail + ' ' + a.getAttribute('download') + ': ' + e.message));
      } finally {
        delete a.dataset.busy;
      }
    }

    $('#check').addEventListener('click', () => {
      clearTimeout(timer);
      check();
    });
    $('#clear').addEventListener('click', () => {
      $('#servicekey').value = '';
      $('#files').value = '';
      dropped = [];
      showFiles();
      seq++;
      last = null;
      $('#result').hidden = true;
    });
    $('#servicekey').addEventListener('input', later);
    $('#files').addEventListener('change', () => {
      showFiles();
      later();
    });
    $('#open-password').addEventListener('change', later);
    $('#scenario').addEventListener('change', later);
    for (const id of ['#password', '#no-password', '#allow-incomplete']) $(id).addEventListener('input', resetDownloads);
    const drop = $('#drop');
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      dropped = dropped.concat(Array.from(e.dataTransfer.files || []));
      showFiles();
      later();
    });
  }

  // ---- reports written by --html --------------------------------------------

  function renderReport(d) {
    const main = $('#report');
    const at = parseTime(d.at) || Date.now();
    const o = d.outcome || {};
    $('#report-meta').textContent = `btpcert ${d.view} · judged at ${d.at || 'an unknown time'}${d.version ? ' · btpcert ' + d.version : ''}`;
    main.replaceChildren();
    const status = el('div', { id: 'status' });
    if (d.view === 'verify') {
      status.dataset.status = o.status;
      status.textContent = 'Result: ' + resultLine(o.status, countChecks(o));
      main.append(
        status,
        el('div', { class: 'card' }, el('h2', {}, 'Chain'), el('div', { class: 'picture' }, drawChain([{ certs: chainFromVerify(o, null, at) }], at, 'chain'))),
        el('div', { class: 'card' }, el('h2', {}, 'Verdicts'), el('div', { id: 'verdicts' }, verifyVerdicts(o)))
      );
    } else if (d.view === 'inspect') {
      const files = o.files || [];
      const groups = files.filter((f) => !f.error).map((f) => ({ label: f.file, certs: chainFromInspect(f), byName: true }));
      main.append(
        el('div', { class: 'card', id: 'summary' }, el('h2', {}, 'What was read'), files.map(fileFacts)),
        el('div', { class: 'card' }, el('h2', {}, 'Certificates, in file order'), el('div', { class: 'picture' }, drawChain(groups, at, 'chain')))
      );
    } else if (d.view === 'connectivity') {
      status.dataset.status = o.status;
      status.textContent = `${MARK[o.status] || ''} ${o.status === 'ok' ? 'one root, on a SAP list' : 'problem'}`;
      main.append(
        status,
        el('div', { class: 'card' }, el('h2', {}, 'Chain the server sent'), el('div', { class: 'picture' }, drawChain([{ label: o.zip, certs: chainFromConnectivity(o, at) }], at, 'chain'))),
        el('div', { class: 'card' }, el('h2', {}, 'Verdict'), el('div', { id: 'verdicts' }, connectivityVerdict(o)))
      );
    } else if (d.view === 'truststore') {
      status.dataset.status = o.status;
      status.textContent = `${MARK[o.status] || ''} ${WORD[o.status] || ''}`;
      main.append(status, el('div', { class: 'card' }, el('h2', {}, 'Verdict'), el('div', { id: 'verdicts' }, truststoreVerdict(o))));
    } else if (d.view === 'audit') {
      renderAudit(main, o, d.certificates || [], at);
    } else {
      main.append(el('pre', { class: 'mono' }, JSON.stringify(o, null, 2)));
    }
  }

  // ---- audit: the table and the expiry timeline ---------------------------

  function renderAudit(main, o, certificates, at) {
    const byFile = {};
    for (const f of certificates) byFile[f.file] = f.certificates || [];
    const rows = (o.rows || []).map((r) => {
      const certs = byFile[r.file] || [];
      const leaf = certs.find((c) => c.subject_dn === r.subject) || null;
      return Object.assign({}, r, { issuer: leaf ? leaf.issuer_dn : null });
    });
    const s = o.summary || { items: rows.length, need_action: rows.filter((r) => r.needs_action).length };
    const status = el('div', { id: 'status', 'data-status': s.need_action ? 'fail' : 'ok' });
    status.textContent = `${s.need_action ? MARK.fail : MARK.ok} ${s.items} item${s.items === 1 ? '' : 's'}, ${s.need_action} need${s.need_action === 1 ? 's' : ''} action`;
    main.append(
      status,
      el('div', { class: 'card' }, el('h2', {}, 'Expiry, month by month'), el('div', { class: 'picture' }, timeline(rows, at))),
      el('div', { class: 'card' }, el('h2', {}, 'Every file'), auditTable(rows))
    );
  }

  function monthIndex(t) {
    const d = new Date(t);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  function timeline(rows, at) {
    const first = monthIndex(at);
    const buckets = [{ key: 'overdue', label: 'overdue', count: 0, overdue: true }];
    for (let i = 0; i < 12; i++) {
      const m = first + i;
      const y = Math.floor(m / 12);
      buckets.push({ key: `${y}-${String((m % 12) + 1).padStart(2, '0')}`, label: `${MONTHS[m % 12]} ${y}`, count: 0 });
    }
    let later = 0;
    let undated = 0;
    for (const r of rows) {
      const t = parseTime(r.not_after);
      if (t === null) {
        if (r.subject) undated++;
        continue;
      }
      if (t < at) buckets[0].count++;
      else if (monthIndex(t) - first < 12) buckets[1 + monthIndex(t) - first].count++;
      else later++;
    }
    const W = 760;
    const H = 230;
    const top = 30;
    const base = 170;
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const step = (W - 40) / buckets.length;
    const svg = sv('svg', {
      id: 'expiry',
      xmlns: SVG,
      width: W,
      height: H,
      viewBox: `0 0 ${W} ${H}`,
      role: 'group',
      'aria-label': 'Files whose certificate ends in each of the next 12 months, and those already expired',
    });
    svg.append(sv('line', { x1: 20, y1: base, x2: W - 20, y2: base, class: 'axis' }));
    buckets.forEach((b, i) => {
      const h = ((base - top) * b.count) / max;
      const x = 20 + i * step + 6;
      const label = `${b.label}: ${b.count} file${b.count === 1 ? '' : 's'}`;
      svg.append(
        sv(
          'g',
          { 'data-bucket': b.key, 'data-count': b.count, tabindex: 0, role: 'img', 'aria-label': label },
          sv('title', {}, label),
          sv('rect', { x, y: base - h, width: step - 12, height: h, class: 'bar' + (b.overdue ? ' overdue' : '') }),
          sv('text', { x: x + (step - 12) / 2, y: base - h - 6, 'text-anchor': 'middle', class: 'count' + (b.overdue && b.count ? ' s-fail' : '') }, (b.overdue && b.count ? MARK.fail + ' ' : '') + b.count),
          sv('text', { x: x + (step - 12) / 2, y: base + 16, 'text-anchor': 'middle', class: 'small' }, b.overdue ? 'overdue' : b.label.split(' ')[0]),
          sv('text', { x: x + (step - 12) / 2, y: base + 30, 'text-anchor': 'middle', class: 'small' }, b.overdue ? '' : b.label.split(' ')[1])
        )
      );
    });
    svg.append(sv('text', { x: 20, y: 18, class: 'small', 'data-later': later }, `${later} later than 12 months${undated ? `, ${undated} without a date` : ''}`));
    return svg;
  }

  function auditTable(rows) {
    const cols = [
      { key: 'file', label: 'File', get: (r) => r.file },
      { key: 'kind', label: 'Kind', get: (r) => r.kind },
      { key: 'subject', label: 'Subject', get: (r) => r.subject, show: (r) => (r.subject ? cnOf(r.subject) : '–'), title: (r) => r.subject },
      { key: 'issuer', label: 'Issuer', get: (r) => r.issuer, show: (r) => (r.issuer ? cnOf(r.issuer) : '–'), title: (r) => r.issuer },
      { key: 'not_after', label: 'Not after', get: (r) => r.not_after, show: (r) => (r.not_after ? r.not_after.slice(0, 10) : '–') },
      { key: 'days_left', label: 'Days left', get: (r) => r.days_left, num: true },
      { key: 'client_auth', label: 'clientAuth', get: (r) => r.client_auth, bool: true },
      { key: 'iflow', label: 'iflow', get: (r) => r.trust && r.trust.iflow, bool: true },
      { key: 'token', label: 'token', get: (r) => r.trust && r.trust.token, bool: true },
      { key: 'server', label: 'server', get: (r) => r.trust && r.trust.server, bool: true },
      { key: 'key_match', label: 'Key matches', get: (r) => r.key_match, bool: true },
      {
        key: 'needs_action',
        label: 'Verdict',
        get: (r) => r.needs_action,
        show: (r) => (r.needs_action ? [mark('fail'), ' needs action'] : [mark('ok'), ' ok']),
      },
    ];
    const tbody = el('tbody');
    const fill = (list) =>
      tbody.replaceChildren(
        ...list.map((r) =>
          el(
            'tr',
            { 'data-file': r.file, class: r.needs_action ? 'action' : null },
            cols.map((c) => {
              const v = c.get(r);
              const shown = c.show ? c.show(r) : c.bool ? yn(v) : v === null || v === undefined ? '–' : String(v);
              return el('td', { class: c.num ? 'num' : null, title: c.title ? c.title(r) : null, 'data-col': c.key }, shown);
            }),
            el('td', { class: 'problems' }, [].concat(r.problems || [], r.error ? [r.error] : []).map((p) => el('div', {}, p)))
          )
        )
      );
    const head = el('tr');
    let sorted = { key: null, dir: 1 };
    for (const c of cols) {
      const th = el('th', { scope: 'col', 'aria-sort': 'none', 'data-col': c.key });
      th.append(
        el(
          'button',
          {
            type: 'button',
            onclick: () => {
              sorted = { key: c.key, dir: sorted.key === c.key ? -sorted.dir : 1 };
              for (const h of head.children) h.setAttribute('aria-sort', 'none');
              th.setAttribute('aria-sort', sorted.dir > 0 ? 'ascending' : 'descending');
              fill(sortRows(rows, c.get, sorted.dir));
            },
          },
          c.label
        )
      );
      head.append(th);
    }
    head.append(el('th', { scope: 'col' }, 'Problems'));
    fill(rows);
    return el('div', { class: 'picture' }, el('table', { class: 'audit' }, el('thead', {}, head), tbody));
  }

  function sortRows(rows, get, dir) {
    const rank = (v) => (v === null || v === undefined ? 1 : 0);
    return rows
      .map((r, i) => ({ r, i, v: get(r) }))
      .sort((a, b) => {
        if (rank(a.v) !== rank(b.v)) return rank(a.v) - rank(b.v);
        if (a.v !== b.v && rank(a.v) === 0) {
          if (typeof a.v === 'string') return dir * a.v.localeCompare(b.v);
          return dir * (a.v < b.v ? -1 : 1);
        }
        return a.i - b.i;
      })
      .map((x) => x.r);
  }

  // ---- start ----------------------------------------------------------------

  function start() {
    const data = document.getElementById('btpcert-data');
    if (data) renderReport(JSON.parse(data.textContent));
    else initPage();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
