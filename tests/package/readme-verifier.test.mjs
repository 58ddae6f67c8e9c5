// The partner-notification verifier of README.md, run as the README shows it: the block after
// the `<!-- readme-verifier … -->` marker is loaded as a module and checked against signatures
// computed here with node:crypto (one of them the Rust implementation's own test vector): a
// valid header, two signatures during a rotation, a wrong secret, a stale t, and malformed
// headers, which answer false and never throw. The example handler deduplicates by eventId.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const ROOT = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const block = /<!-- readme-verifier\b[^>]*-->\s*```js\n([\s\S]*?)\n```/.exec(readme);
assert.ok(block, "README.md has the verifier block after its <!-- readme-verifier --> marker");
const source = `${block[1]}\nexport { verify, onNotification, seen };\n`;
const { verify, onNotification, seen } = await import(
  `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`
);

const SECRET = "partner-secret-0123456789abcdef0123456789";
const OLD_SECRET = "partner-secret-being-rotated-out-0123456789";
const hmac = (secret, t, body) => createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
const now = () => Math.floor(Date.now() / 1000);
const BODY = JSON.stringify({ eventId: "e1", type: "application.status_changed", status: "approved" });

test("the Rust implementation's test vector verifies (work/notify.rs: partner_signature)", () => {
  const sig = "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";
  const notifyRs = readFileSync(new URL("crates/kyc-server/src/work/notify.rs", ROOT), "utf8");
  assert.ok(notifyRs.includes(`"t=1700000000,v1=${sig}"`), "work/notify.rs still has this vector");
  assert.equal(hmac("secret", 1700000000, '{"a":1}'), sig, "node:crypto agrees with the Rust vector");
  assert.equal(verify('{"a":1}', `t=1700000000,v1=${sig}`, "secret", 1700000000), true);
  assert.equal(verify(Buffer.from('{"a":1}'), `t=1700000000,v1=${sig}`, "secret", 1700000000), true);
  assert.equal(verify('{"a":1}', `t=1700000000,v1=${sig}`, "secret"), false, "long stale by now");
  assert.equal(verify('{"a":2}', `t=1700000000,v1=${sig}`, "secret", 1700000000), false, "another body");
});

test("a valid header verifies, for a string and for the raw bytes", () => {
  const t = now();
  const header = `t=${t},v1=${hmac(SECRET, t, BODY)}`;
  assert.equal(verify(BODY, header, SECRET), true);
  assert.equal(verify(Buffer.from(BODY), header, SECRET), true);
  assert.equal(verify(BODY, `t=${t}, v1=${hmac(SECRET, t, BODY)}`, SECRET), true, "a space after the comma");
  const body = JSON.stringify({ name: "Zoë 東京" });
  assert.equal(verify(Buffer.from(body), `t=${t},v1=${hmac(SECRET, t, body)}`, SECRET), true, "non-ASCII bytes");
});

test("during a rotation two v1 signatures are sent: either secret passes, another does not", () => {
  const t = now();
  const [fresh, old] = [hmac(SECRET, t, BODY), hmac(OLD_SECRET, t, BODY)];
  for (const header of [`t=${t},v1=${fresh},v1=${old}`, `t=${t},v1=${old},v1=${fresh}`, `v1=${old},t=${t},v1=${fresh}`]) {
    assert.equal(verify(BODY, header, SECRET), true, header);
    assert.equal(verify(BODY, header, OLD_SECRET), true, header);
    assert.equal(verify(BODY, header, "a-third-secret-0123456789abcdef0123456789"), false, header);
    assert.equal(verify(`${BODY} `, header, SECRET), false, "another body");
  }
});

test("a wrong secret or a changed body does not verify", () => {
  const t = now();
  const header = `t=${t},v1=${hmac(SECRET, t, BODY)}`;
  assert.equal(verify(BODY, header, "wrong-secret-0123456789abcdef0123456789ab"), false);
  assert.equal(verify(BODY.replace("approved", "rejected"), header, SECRET), false);
  assert.equal(verify(BODY, `t=${t + 1},v1=${hmac(SECRET, t, BODY)}`, SECRET), false, "t is signed too");
});

test("a stale (or far future) t does not verify, even correctly signed; within 5 minutes does", () => {
  const t = now();
  for (const at of [t - 301, t + 301, t - 86400, 0]) {
    assert.equal(verify(BODY, `t=${at},v1=${hmac(SECRET, at, BODY)}`, SECRET), false, `t=${at}`);
  }
  for (const at of [t - 290, t + 290]) {
    assert.equal(verify(BODY, `t=${at},v1=${hmac(SECRET, at, BODY)}`, SECRET), true, `t=${at}`);
  }
});

test("malformed headers answer false, never an exception", () => {
  const t = now();
  const sig = hmac(SECRET, t, BODY);
  const other = hmac(OLD_SECRET, t, BODY);
  // Most of these carry the right signature: they are refused for their form.
  const malformed = [
    undefined,
    null,
    "",
    " ",
    ",",
    42,
    {},
    [`t=${t},v1=${sig}`],
    Buffer.from(`t=${t},v1=${sig}`),
    `v1=${sig}`, // no t
    `t=${t}`, // no signature
    `t=,v1=${sig}`,
    `t=abc,v1=${sig}`,
    `t=${t}abc,v1=${sig}`,
    `t=-${t},v1=${sig}`,
    `t=${t}.5,v1=${sig}`,
    `t=1e9,v1=${sig}`,
    `t=Infinity,v1=${sig}`,
    `t=0x${t.toString(16)},v1=${sig}`,
    `t=${"9".repeat(400)},v1=${sig}`,
    `t=${t},v1=`,
    `t=${t},v1=${sig.slice(0, 63)}`, // odd hex
    `t=${t},v1=${sig.slice(0, 62)}`, // too short
    `t=${t},v1=${sig}00`, // too long
    `t=${t},v1=${sig}${sig}`,
    `t=${t},v1=${sig.slice(0, 62)}zz`, // not hex
    `t=${t},v1=${sig.toUpperCase()}`, // the contract's hex is lowercase
    `t=${t},t=${t},v1=${sig}`, // duplicated t
    `t=${t},v1=${sig},t=${t - 1}`,
    `t=${t},v1=${sig},v1=${other},v1=${other}`, // a third signature
    `t=${t},v1=${sig},`, // an empty part
    `,t=${t},v1=${sig}`,
    `t=${t},v1=${sig},x`,
    `t=${t},v1=${sig},v2=${sig}`,
    `t=${t},v1=${sig},foo=bar`,
    `t=${t},v1==${sig}`,
    `t==${t},v1=${sig}`,
    `t=${t},v1=${sig}=`,
    `t=${t};v1=${sig}`,
    `t:${t},v1:${sig}`,
    `T=${t},V1=${sig}`,
    `t = ${t},v1 = ${sig}`,
    `t=${t},v1=${sig}\u0000`,
    `t=${t},__proto__=${sig}`,
    `t=${t},constructor=x,v1=${sig}`,
    `t=${t},v1=${sig}`.repeat(20),
    `t=${t},v1=${sig},${"a".repeat(100_000)}`,
  ];
  for (const header of malformed) {
    let result;
    assert.doesNotThrow(() => {
      result = verify(BODY, header, SECRET);
    }, `threw on ${String(header).slice(0, 80)}`);
    assert.equal(result, false, `accepted ${String(header).slice(0, 80)}`);
  }
  // A body that is neither a string nor bytes.
  for (const body of [undefined, null, 1, {}]) {
    assert.doesNotThrow(() => assert.equal(verify(body, `t=${t},v1=${sig}`, SECRET), false));
  }
});

test("the example handler answers 401 to a bad signature and acts on each eventId once", async () => {
  process.env.KYC_PARTNER_WEBHOOK_SECRET = SECRET;
  const server = createServer(onNotification);
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}/kyc-events`;
  const post = (body, header) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...(header === undefined ? {} : { "kyc-signature": header }) }, body });
  const signed = (body, t = now()) => `t=${t},v1=${hmac(SECRET, t, body)}`;
  try {
    const e1 = JSON.stringify({ eventId: "evt-1", type: "application.status_changed", status: "reviewing" });
    const e2 = JSON.stringify({ eventId: "evt-2", type: "application.status_changed", status: "approved" });
    assert.equal((await post(e1, undefined)).status, 401, "no header");
    assert.equal((await post(e1, "t=garbage")).status, 401, "malformed header");
    assert.equal((await post(e1, signed(e2))).status, 401, "another body's signature");
    assert.equal(seen.size, 0);
    assert.equal((await post(e1, signed(e1))).status, 204);
    // A retry: the same eventId, re-signed with a fresh t.
    assert.equal((await post(e1, signed(e1, now() + 1))).status, 204);
    assert.deepEqual([...seen], ["evt-1"], "the retry was not acted on again");
    assert.equal((await post(e2, signed(e2))).status, 204);
    assert.deepEqual([...seen], ["evt-1", "evt-2"]);
    assert.equal((await post("x".repeat(70_000), signed("x"))).status, 413, "a body over the cap");
  } finally {
    server.close();
  }
});
