// The widget as a React component. mount() is asynchronous and React's StrictMode mounts,
// unmounts and mounts again in development: each effect run owns its own mount, and a mount
// that resolves after its effect was cleaned up is unmounted at once and says nothing.
import { useEffect, useRef } from "react";
import { mount } from "kyc-share-widget";

export function KycWidget({ backendUrl, sessionToken, onStep, onComplete, onExit }) {
  const host = useRef(null);
  const handlers = useRef({});
  handlers.current = { onStep, onComplete, onExit };
  useEffect(() => {
    let handle = null;
    let gone = false;
    const tell = (name) => (value) => {
      if (!gone) handlers.current[name]?.(value);
    };
    mount(host.current, {
      backendUrl,
      sessionToken,
      onStep: tell("onStep"),
      onComplete: tell("onComplete"),
      onExit: tell("onExit"),
    }).then((h) => (gone ? h.unmount() : (handle = h)));
    return () => {
      gone = true;
      handle?.unmount();
    };
  }, [backendUrl, sessionToken]);
  return <div ref={host} />;
}
