// Registers the service worker and offers new versions. This is plain JS
// in the page, not Rust, so it does not depend on the code it updates:
// a build whose wasm fails to start can still be replaced by the next.
const build = document.querySelector('meta[name="sitrep-build"]')?.content;
const sw = /^https?:$/.test(location.protocol) ? navigator.serviceWorker : undefined;
if (sw && !build) {
  // A development build: drop any worker a release build left here,
  // or its cached shell would hide every edit.
  sw.getRegistrations().then((regs) => regs.forEach((r) => r.unregister()));
} else if (sw) {
  const prompt = document.createElement('div');
  prompt.className = 'update-prompt';
  prompt.setAttribute('role', 'status'); // polite and non-modal: typing goes on
  const footer = document.createElement('footer');
  footer.className = 'build-id';
  footer.textContent = `Build ${build}`;
  document.body.append(prompt);
  // Leptos mounts into <body> when the wasm starts; follow it there.
  const placeAfterApp = () => document.body.append(prompt, footer);
  if (window.wasmBindings) placeAfterApp();
  else addEventListener('TrunkApplicationStarted', placeAfterApp, { once: true });

  // Only a click reloads: a responder may be mid-edit, and the first
  // install's clients.claim() fires controllerchange too.
  let reloadOnSwitch = false;
  sw.addEventListener('controllerchange', () => {
    if (reloadOnSwitch) { reloadOnSwitch = false; location.reload(); }
  });
  const offer = (reg) => {
    if (prompt.childElementCount) return;
    const text = document.createElement('span');
    text.textContent = 'A new version of Sitrep is ready.';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'primary';
    button.textContent = 'Reload to update';
    button.addEventListener('click', () => {
      button.disabled = true;
      reloadOnSwitch = true;
      // No waiting worker: another tab already switched; just reload.
      if (reg.waiting) reg.waiting.postMessage({ type: 'skip-waiting' });
      else location.reload();
    });
    prompt.replaceChildren(text, ' ', button);
  };
  const register = async () => {
    const reg = await sw.register('/sw.js', { scope: '/', updateViaCache: 'none' });
    // A version that arrived before this page loaded is still waiting.
    if (reg.waiting && sw.controller) offer(reg);
    reg.addEventListener('updatefound', () => {
      const next = reg.installing;
      next?.addEventListener('statechange', () => {
        if (next.state === 'installed' && sw.controller) offer(reg);
      });
    });
    // Incident tabs stay open for days: look for deploys now and then.
    const check = () => reg.update().catch(() => {}); // offline: try later
    setInterval(check, 30 * 60 * 1000);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') check();
    });
  };
  // After load, so precaching does not compete with the first start.
  if (document.readyState === 'complete') register();
  else addEventListener('load', register, { once: true });
}
