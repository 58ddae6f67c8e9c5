// A server component: rendered on the server, where no widget code runs.
import { Partner } from "./Partner";

export default function Page() {
  return (
    <main>
      <h1>Partner app (Next.js)</h1>
      <Partner />
    </main>
  );
}
