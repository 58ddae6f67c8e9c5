// A partner page: get a session from the partner backend, mount the widget, unmount it.
import { mount } from "kyc-share-widget";

const backend = new URLSearchParams(location.search).get("backend") || "http://127.0.0.1:8080";
const status = document.getElementById("status");
let handle = null;

document.getElementById("start").addEventListener("click", async () => {
  if (handle) return;
  // In production your own server creates the session with its admin key; the demo backend
  // allows it from the page.
  const r = await fetch(`${backend}/v1/sessions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ externalUserId: "vite-host-user" }),
  });
  const { sessionToken } = await r.json();
  handle = await mount(document.getElementById("host"), {
    backendUrl: backend,
    sessionToken,
    onStep: (step) => { status.textContent = `step: ${step}`; },
  });
});

document.getElementById("unmount").addEventListener("click", () => {
  if (handle) handle.unmount();
  handle = null;
  status.textContent = "unmounted";
});
