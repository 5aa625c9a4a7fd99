/**
 * The HTML report's inline stylesheet and script. Both are constants (never
 * built from data) so the script can be pinned by a CSP hash: even if a value
 * escaped the escaping, an injected handler or script would not run.
 */

/** Inline CSS: system fonts only, light and dark schemes, print friendly. */
export const CSS = `
:root{--bg:#f6f7f9;--card:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;
--pri:#57606a;--pri-d:#24292f;--cand:#e58a2b;--cand-d:#b35900;--accent:#0969da;
--del:#ffebe9;--del-mark:#ffb3ad;--add:#dafbe1;--add-mark:#8fe0a4;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--soft:#21262d;
--ok:#3fb950;--ok-bg:#12261e;--bad:#f85149;--bad-bg:#2d1416;--warn:#d29922;--warn-bg:#2e2410;--pri:#8b949e;--pri-d:#c9d1d9;
--del:#3a1d1f;--del-mark:#7d2a2a;--add:#15301f;--add-mark:#23633a;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;gap:8px 24px;margin-bottom:16px}
header.top h1{font-size:20px;margin:0}
header.top h1 span{color:var(--muted);font-weight:400}
.meta{color:var(--muted);font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
h2{font-size:16px;margin:28px 0 10px}
h3{font-size:15px;margin:0}
h4{font-size:13px;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
h5{font-size:12px;margin:14px 0 6px;color:var(--muted)}
.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px}
.verdict{display:flex;gap:18px;align-items:flex-start;border-radius:8px;padding:18px 20px;border:1px solid;margin-bottom:16px}
.verdict.pass{background:var(--ok-bg);border-color:var(--ok)}
.verdict.fail{background:var(--bad-bg);border-color:var(--bad)}
.verdict .badge{flex:none;font-weight:700;font-size:20px;letter-spacing:.06em;color:#fff;border-radius:6px;padding:6px 14px}
.verdict.pass .badge{background:var(--ok)}.verdict.fail .badge{background:var(--bad)}
.verdict .what{font-size:15px;font-weight:600;margin:2px 0 6px}
.verdict ul{margin:0;padding-left:18px}
.verdict .gate{margin-top:8px;font-size:12.5px;color:var(--muted)}
.hint{border-left:4px solid var(--warn);background:var(--warn-bg);margin-bottom:16px}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:10px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.stat .v{font-size:21px;font-weight:650;font-variant-numeric:tabular-nums}
.stat .l{font-size:12px;color:var(--muted)}
.stat.bad{border-color:var(--bad);background:var(--bad-bg)}.stat.bad .v{color:var(--bad)}
.stat.warn{border-color:var(--warn);background:var(--warn-bg)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:14px}
.charts figure{margin:0}
.charts figcaption{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;color:var(--muted);margin-top:6px}
.charts h3{margin-bottom:8px}
svg.chart{width:100%;height:auto;display:block;font-family:inherit}
svg .grid{stroke:var(--line);stroke-width:1}
svg .axis{fill:var(--muted);font-size:10.5px}
svg .rate{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
svg .dot{fill:var(--accent)}svg .dot.over{fill:var(--bad)}
svg .threshold{stroke:var(--bad);stroke-dasharray:5 4;stroke-width:1.5}
svg .threshold-label{fill:var(--bad);font-size:10.5px;font-weight:600}
svg .vol{fill:var(--line)}svg .vol-div{fill:var(--bad);opacity:.75}
svg .event line{stroke:var(--warn);stroke-dasharray:2 3;stroke-width:1.5}
svg .event circle{fill:var(--warn)}svg .event text{fill:var(--warn);font-size:10.5px;font-weight:600}
svg .event text.n{fill:var(--card);font-size:8.5px;font-weight:700}
svg .dot.low{fill:var(--card);stroke:var(--accent);stroke-width:1.2;opacity:.55}
svg .low text.count{fill:var(--muted);font-size:9.5px}
svg .ep{fill:var(--fg);font-size:11.5px;font-family:var(--mono)}svg .ep .m{font-weight:700}
svg .pri.p99{fill:var(--pri);opacity:.35}svg .pri.p50{fill:var(--pri-d)}
svg .cand.p99{fill:var(--cand);opacity:.4}svg .cand.p50{fill:var(--cand-d)}
svg .val{fill:var(--muted);font-size:10.5px;font-variant-numeric:tabular-nums}svg .val.slow{fill:var(--bad);font-weight:700}
.key{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:12px;height:10px;border-radius:2px}
.sw.rate{background:var(--accent);height:3px}.sw.threshold{border-top:2px dashed var(--bad);height:0}
.sw.vol{background:var(--line)}.sw.vol-div{background:var(--bad)}.sw.event{border-left:2px dotted var(--warn);width:2px}.sw.low{border:1.2px solid var(--accent);border-radius:50%;opacity:.55;width:8px;height:8px}
.sw.pri{background:var(--pri-d)}.sw.cand{background:var(--cand-d)}
table{border-collapse:collapse;width:100%}
.tbl-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
table.endpoints th,table.endpoints td{padding:6px 9px;border-bottom:1px solid var(--soft);text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.endpoints th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600;vertical-align:bottom}
table.endpoints th.group{text-align:center;border-bottom:1px solid var(--line);padding-bottom:2px}
table.endpoints td.lat{color:var(--muted)}
table.endpoints th button{all:unset;cursor:pointer;display:inline-flex;gap:4px;align-items:center}
table.endpoints th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
table.endpoints th button::after{content:"↕";opacity:.35;font-size:11px}
table.endpoints th[aria-sort=ascending] button::after{content:"▲";opacity:1}
table.endpoints th[aria-sort=descending] button::after{content:"▼";opacity:1}
table.endpoints .l{text-align:left}
table.endpoints td.route{white-space:normal;overflow-wrap:anywhere;font-family:var(--mono);font-size:12.5px;width:32%}
table.endpoints tbody tr:hover{background:var(--soft)}
table.endpoints a{color:var(--accent);text-decoration:none}table.endpoints a:hover{text-decoration:underline}
.pill{display:inline-block;font-size:11px;font-weight:700;border-radius:10px;padding:1px 8px;white-space:nowrap}
.pill.fail{background:var(--bad);color:#fff}.pill.pass{background:var(--ok-bg);color:var(--ok)}.pill.low{background:var(--warn-bg);color:var(--warn)}
.method{font-family:var(--mono);font-weight:700;font-size:12px}
.ratebar{display:inline-block;vertical-align:middle;width:36px;height:6px;background:var(--soft);border-radius:3px;margin-left:6px;overflow:hidden}
.ratebar i{display:block;height:100%;background:var(--bad)}
.worse{color:var(--bad);font-weight:600}
section.endpoint{margin-top:14px}
section.endpoint .head{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center}
section.endpoint .head h3{font-family:var(--mono);word-break:break-all}
section.endpoint .fails{margin:8px 0 0;padding:8px 12px;background:var(--bad-bg);border-radius:6px;color:var(--bad)}
section.endpoint .fails ul{margin:0;padding-left:18px}
table.fields{max-width:760px}
table.fields th,table.fields td{padding:4px 10px;border-bottom:1px solid var(--soft);text-align:right;font-variant-numeric:tabular-nums}
table.fields th{font-size:12px;color:var(--muted);font-weight:600}
table.fields .l{text-align:left}table.fields td.l code{word-break:break-all}
table.fields tr.noise td{color:var(--muted)}
details.example{border:1px solid var(--line);border-radius:6px;margin:8px 0;background:var(--card)}
details.example>summary{cursor:pointer;padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px;align-items:center;background:var(--soft);border-radius:6px}
details.example[open]>summary{border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
details.example .url{word-break:break-all}
details.example .when{margin-left:auto;color:var(--muted);font-size:12px}
.example-body{padding:10px 12px}
.status{font-family:var(--mono);font-weight:700;font-size:12px;padding:0 6px;border-radius:4px}
.st-ok{background:var(--ok-bg);color:var(--ok)}.st-4xx{background:var(--warn-bg);color:var(--warn)}.st-5xx,.st-none{background:var(--bad-bg);color:var(--bad)}
.arrow{color:var(--muted)}
.kind{font-size:11px;border:1px solid var(--line);border-radius:10px;padding:0 7px;color:var(--muted)}
table.divs{margin-bottom:10px;max-width:900px}
table.divs th,table.divs td{text-align:left;padding:3px 10px;border-bottom:1px solid var(--soft);vertical-align:top;overflow-wrap:anywhere}
table.divs th{font-size:12.5px;font-weight:600;width:180px}
table.divs thead th{font-size:12px;color:var(--muted);width:auto}
.sbs-wrap{border:1px solid var(--line);border-radius:6px;overflow:auto;max-height:560px}
table.sbs{table-layout:fixed;font-family:var(--mono);font-size:12px;line-height:1.45}
table.sbs col.ln{width:44px}
table.sbs thead th{position:sticky;top:0;background:var(--soft);font-size:11.5px;color:var(--muted);text-align:left;padding:4px 8px;font-family:system-ui,sans-serif;font-weight:600}
table.sbs thead th code{font-weight:400;font-size:11.5px}
table.sbs td{padding:0 8px;vertical-align:top}
table.sbs td.ln{color:var(--muted);text-align:right;user-select:none;background:var(--soft);opacity:.8}
table.sbs td.code{white-space:pre-wrap;word-break:break-all}
table.sbs td.del{background:var(--del)}table.sbs td.add{background:var(--add)}
table.sbs td.not-reported{color:var(--muted);opacity:.75}
.why{font-family:system-ui,sans-serif;font-size:10.5px;border:1px solid var(--line);border-radius:9px;padding:0 6px;margin-left:8px;color:var(--muted);white-space:nowrap}
.why.undecided{border-color:var(--warn);color:inherit}
table.sbs td.del mark{background:var(--del-mark);color:inherit;border-radius:2px}
table.sbs td.add mark{background:var(--add-mark);color:inherit;border-radius:2px}
table.sbs td.blank{background:repeating-linear-gradient(135deg,transparent 0 4px,var(--soft) 4px 8px)}
table.sbs tr.gap td{text-align:center;color:var(--muted);background:var(--soft);font-family:system-ui,sans-serif;font-size:11.5px;padding:2px}
pre.patch{background:var(--soft);border-radius:6px;padding:8px 10px;overflow:auto;max-height:260px;white-space:pre-wrap;word-break:break-all;margin:0}
table.events{width:100%;border-collapse:collapse;font-size:13px}
table.events th{text-align:left;font-weight:600;color:var(--muted);border-bottom:1px solid var(--line);padding:4px 8px}
table.events td{border-bottom:1px solid var(--soft);padding:5px 8px;vertical-align:top}
table.events td.n{font-weight:700;color:var(--warn);width:2em}
table.events td.t{font-family:var(--mono);font-size:12px;color:var(--muted);white-space:nowrap}
table.events td.type{font-weight:700}
table.events td.change{color:var(--muted)}
.empty{padding:28px;text-align:center;color:var(--muted)}
#nothing-compared{margin-top:14px}
.toolbar{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.toolbar button{font:inherit;font-size:12px;border:1px solid var(--line);background:var(--card);color:var(--fg);border-radius:6px;padding:3px 10px;cursor:pointer}
footer{margin-top:36px;color:var(--muted);font-size:12px;text-align:center}
@media print{body{background:#fff}.sbs-wrap{max-height:none}details.example>summary{break-after:avoid}.toolbar button{display:none}}
`

/**
 * Sorts the endpoint table by a clicked header (numbers by their `data-v`
 * value, text by content; first click sorts numbers descending, text
 * ascending; a second click reverses; ties keep the original order) and
 * opens or closes every example. It only moves existing nodes and sets
 * attributes: it never builds markup from data.
 */
export const SCRIPT = `(function(){'use strict';
var table=document.getElementById('endpoints');
if(table){var tbody=table.tBodies[0];var ths=[].slice.call(table.querySelectorAll('thead th[data-sort]'));
ths.forEach(function(th){var b=th.querySelector('button');if(!b)return;b.addEventListener('click',function(){
var col=+th.getAttribute('data-col'),type=th.getAttribute('data-sort'),cur=th.getAttribute('aria-sort');
var dir=cur==='ascending'?'descending':cur==='descending'?'ascending':(type==='num'?'descending':'ascending');
ths.forEach(function(h){h.removeAttribute('aria-sort')});th.setAttribute('aria-sort',dir);
function key(r){var c=r.cells[col];var v=c.getAttribute('data-v');return v===null?c.textContent.trim():v}
var rows=[].slice.call(tbody.rows);rows.sort(function(x,y){var a=key(x),c=key(y);
var d=type==='num'?parseFloat(a)-parseFloat(c):a.localeCompare(c);if(dir==='descending')d=-d;
return d||(+x.getAttribute('data-i'))-(+y.getAttribute('data-i'))});
rows.forEach(function(r){tbody.appendChild(r)})})})}
var t=document.getElementById('toggle-examples');
if(t)t.addEventListener('click',function(){var all=[].slice.call(document.querySelectorAll('details.example'));
var open=!all.every(function(d){return d.open});all.forEach(function(d){d.open=open});
t.textContent=open?'Collapse all examples':'Expand all examples'})})();`
