// A partner page in React: the session comes from the partner's backend when the person starts,
// then the widget is shown until it says it is done or the person exits. StrictMode is on (the
// default of a new React app); ?strict=0 turns it off (the tests compare the two).
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { KycWidget } from "./KycWidget.jsx";

const params = new URLSearchParams(location.search);
const backend = params.get("backend") || "http://127.0.0.1:8080";

function App() {
  const [token, setToken] = useState(null);
  const [status, setStatus] = useState("");
  const start = async () => {
    // In production your own server creates the session with its admin key; the demo backend
    // allows it from the page.
    const r = await fetch(`${backend}/v1/sessions`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ externalUserId: "react-host-user" }),
    });
    setToken((await r.json()).sessionToken);
  };
  return (
    <main>
      <h1>Partner app (React)</h1>
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
    </main>
  );
}

const app = params.get("strict") === "0" ? <App /> : <StrictMode><App /></StrictMode>;
createRoot(document.getElementById("root")).render(app);
