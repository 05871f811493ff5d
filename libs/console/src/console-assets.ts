/**
 * The console's only assets, served by the service itself (closed networks have no CDN). The
 * pages work without live.js: it only refreshes the queue when the server says cases changed
 * (server-sent events) and keeps countdowns ticking.
 */
export const CONSOLE_CSS = `
:root{--fg:#1f2937;--muted:#4b5563;--line:#d1d5db;--bg:#fff;--soft:#f3f4f6;--link:#1d4ed8;--red:#b91c1c;--amber:#92400e;--green:#047857}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f59e0b;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
.top{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center;padding:8px 16px;border-bottom:1px solid var(--line);background:var(--soft)}
.brand{font-weight:700}.top nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0;padding:0}
.signout{margin-left:auto;display:flex;gap:8px;align-items:center}
main{padding:16px;max-width:1200px;margin:0 auto}h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:1.5rem}h3{font-size:1rem;margin:0 0 .5rem}
.muted{color:var(--muted)}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.card{border:1px solid var(--line);border-radius:6px;padding:12px;background:#fff}.narrow{max-width:420px}
label{display:block;font-weight:600;margin:.4rem 0 .15rem}input,select,textarea{font:inherit;width:100%;padding:6px 8px;border:1px solid #6b7280;border-radius:4px;background:#fff;color:var(--fg)}
a.button{display:inline-block;padding:6px 14px;border:1px solid #1e3a8a;border-radius:4px;background:#fff;color:#1e3a8a;font-weight:600}
button{font:inherit;padding:6px 14px;margin-top:.5rem;border:1px solid #1e3a8a;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
.danger button,button.danger{background:var(--red);border-color:#7f1d1d}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin-bottom:12px}.field{min-width:140px;flex:1}.field.wide{flex:3;min-width:240px}
.field.check{display:flex;gap:6px;align-items:center;flex:0 0 auto;min-width:0}.field.check input{width:auto}.field.check label{margin:0}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:var(--soft)}
.sev{display:inline-block;padding:0 6px;border-radius:4px;color:#fff;font-size:.85rem;font-weight:600}.sev-critical{background:#7f1d1d}.sev-high{background:var(--red)}.sev-medium{background:var(--amber)}.sev-low{background:#374151}
.tag{display:inline-block;padding:0 6px;border:1px solid var(--muted);border-radius:4px;font-size:.8rem}
.notice{padding:8px 12px;border-radius:4px;border:1px solid}.notice.ok{border-color:var(--green);background:#ecfdf5}.notice.error{border-color:var(--red);background:#fef2f2}.notice.warn{border-color:var(--amber);background:#fffbeb}
.error{color:var(--red)}.warn{color:var(--amber)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}.facts dt{font-weight:600}.facts dd{margin:0}
.lead{font-size:1.05rem}.actions{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.timeline{list-style:none;padding:0}.timeline li{border-left:3px solid var(--line);padding:4px 12px;margin:4px 0}.timeline .internal{border-left-color:var(--amber);background:#fffbeb}
.timeline .ev-mail-out{border-left-color:var(--link)}.timeline .ev-mail-in{border-left-color:var(--green)}blockquote{margin:4px 0;padding-left:8px;border-left:2px solid var(--line);white-space:pre-wrap}
.figures{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}.figures li{border:1px solid var(--line);border-radius:6px;padding:12px}.big{display:block;font-size:2rem;font-weight:700}
.chart{margin:0}.pager{display:flex;gap:16px;margin:8px 0}
@media (max-width:640px){main{padding:8px}.facts{grid-template-columns:1fr}.signout{margin-left:0}th,td{padding:4px}}
`;

export const LIVE_JS = `
(function(){
  function tick(){document.querySelectorAll('[data-countdown]').forEach(function(el){
    var ms=new Date(el.getAttribute('datetime')).getTime()-Date.now(),a=Math.abs(ms),d=Math.floor(a/864e5),h=Math.floor(a%864e5/36e5),m=Math.floor(a%36e5/6e4);
    var t=d?d+' d '+h+' h':h?h+' h '+m+' min':m+' min';el.textContent=ms>=0?'in '+t:t+' ago';});}
  setInterval(tick,30000);
  var box=document.getElementById('queue-results');
  if(box&&window.EventSource){var es=new EventSource(box.getAttribute('data-live'));
    es.addEventListener('cases',function(){var u=new URL(location.href);u.searchParams.set('fragment','1');
      fetch(u,{credentials:'same-origin'}).then(function(r){return r.ok?r.text():null}).then(function(h){if(h!==null){box.innerHTML=h;}});});}
})();
`;
