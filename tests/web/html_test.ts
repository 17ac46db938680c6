import assert from "node:assert/strict";
import { escapeHtml, html, jsonScript, trustedHtml } from "../../src/web/html.ts";

Deno.test("html escapes every interpolated value, in text and in attributes", () => {
  const command = `echo "<script>alert('x')</script>" & <img src=x onerror=alert(1)>`;
  const out = html`<td title="${command}">${command}</td>`.value;
  assert.equal(
    out,
    '<td title="echo &quot;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot; &amp; ' +
      '&lt;img src=x onerror=alert(1)&gt;">echo &quot;&lt;script&gt;alert(&#39;x&#39;)' +
      "&lt;/script&gt;&quot; &amp; &lt;img src=x onerror=alert(1)&gt;</td>",
  );
  assert.ok(!/<script|<img/.test(out));
});

Deno.test("html keeps nested html as markup, joins arrays and drops null, undefined and false", () => {
  const items = ["<a>", "b"].map((text) => html`<li>${text}</li>`);
  assert.equal(
    html`<ul>${items}${null}${undefined}${false}${0}</ul>`.value,
    "<ul><li>&lt;a&gt;</li><li>b</li>0</ul>",
  );
  assert.equal(html`${trustedHtml("<b>ok</b>")}`.value, "<b>ok</b>");
  assert.equal(String(html`<i>${"&"}</i>`), "<i>&amp;</i>");
});

Deno.test("escapeHtml leaves ordinary text alone", () => {
  assert.equal(escapeHtml("make test -j4 # ok"), "make test -j4 # ok");
});

Deno.test("jsonScript cannot be closed by a value, and parses back to the data", () => {
  const data = { text: "</script><script>alert(1)</script>", sep: "\u2028", amp: "a&b" };
  const out = jsonScript("chart-data", data).value;
  const inner = /<script type="application\/json" id="chart-data">([\s\S]*)<\/script>$/.exec(out);
  assert.ok(inner, out);
  assert.ok(!inner[1]!.includes("<") && !inner[1]!.includes(">"), inner[1]);
  assert.deepEqual(JSON.parse(inner[1]!), data);
});
