"use client";
// The session comes from the partner's backend when the person starts, then the widget is
// shown until it says it is done or the person exits.
import { useState } from "react";
import { KycWidget } from "./KycWidget";

export function Partner() {
  const [backend, setBackend] = useState(null);
  const [token, setToken] = useState(null);
  const [status, setStatus] = useState("");
  const start = async () => {
    const url = new URLSearchParams(window.location.search).get("backend") || "http://127.0.0.1:8080";
    // In production your own server creates the session with its admin key (a Route Handler,
    // say); the demo backend allows it from the page.
    const r = await fetch(`${url}/v1/sessions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ externalUserId: "next-host-user" }),
    });
    setBackend(url);
    setToken((await r.json()).sessionToken);
  };
  return (
    <>
      <p>
        <button type="button" onClick={start} disabled={token !== null}>Start verification</button>
      </p>
      <p id="status" role="status">{status}</p>
      {token && (
        <KycWidget
          backendUrl={backend}
          sessionToken={token}
          onStep={(step) => setStatus((s) => `${s}step: ${step};`)}
          onExit={() => {
            setToken(null);
            setStatus((s) => `${s}exit;`);
          }}
        />
      )}
    </>
  );
}
