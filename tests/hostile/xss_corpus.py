"""Payloads that run script if anything renders them unescaped, and a browser-side detector.

Every payload, if it ran, sets `window.__xss` to its own id (or opens a dialog), so a test can
tell which one fired; each also carries its id as visible text, so a test can tell the field
was rendered on the page at all (a page that showed nothing would otherwise pass).
"""

from __future__ import annotations

# Short enough for any name field (the shortest limit is 100 characters).
SHORT = [
    '<script>window.__xss="X01"</script>',
    '<img src=x onerror=window.__xss="X02">X02',
    '<svg onload=window.__xss="X03">X03',
    '<svg><script>window.__xss="X04"</script></svg>X04',
    '"><img src=x onerror=window.__xss="X05">X05',  # out of a double-quoted attribute
    "'><img src=x onerror=window.__xss='X06'>X06",  # out of a single-quoted one
    '</title></textarea></style></script><img src=x onerror=window.__xss="X07">X07',
    "<a href=\"javascript:window.__xss='X08'\">X08</a>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>X09',
    '<details open ontoggle=window.__xss="X10">X10',
    '<img src=x onerror=alert("X11")>X11',
    '\u202e\u200b<img src=x onerror=window.__xss="X12">X12\u2028',  # RTL override, ZWSP, LS
    "<scr<script>ipt>window.__xss='X13'</script>X13",
    '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss="X14">X14',
    "<object data=\"javascript:window.__xss='X15'\"></object>X15",
    '<input autofocus onfocus=window.__xss="X16">X16',
    "<form><button formaction=javascript:window.__xss='X17'>X17</button></form>",
    "{{7*7}}${7*7}<%= 7*7 %>X18",  # template syntax: shown as typed, never evaluated
    "</script><script>window.__xss='X19'</script>X19",  # out of JSON embedded in a page
]
# Markdown's own ways in (bodies are Markdown).
MARKDOWN = [
    "[X20 link](javascript:window.__xss='X20')",
    "![X21](x\" onerror=\"window.__xss='X21')",
    "<javascript:window.__xss='X22'> X22",  # an autolink
    "[X23 reference][r23]\n\n[r23]: javascript:window.__xss='X23'",
    "[X24](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div onmouseover=window.__xss="X25">X25 raw HTML</div>',
    "[X26](JaVaScRiPt:window.__xss='X26')",
    "[X27](&#106;avascript:window.__xss='X27')",
    "<https://example.com/\"onmouseover=\"window.__xss='X28'> X28",
    '[X29](https://example.com "title" onmouseover="window.__xss=\'X29\'")',
]
LONG = "\n\n".join(SHORT + MARKDOWN)
# URL fields that take http(s) only: break out of the attribute the URL lands in.
URLS = [
    'https://example.com/"><svg/onload=window.__xss="U1">',
    "https://example.com/'><svg/onload=window.__xss='U2'>",
]
# X30-X39: addresses and endpoint URLs (test_xss), which take no corpus payload whole.
MARKERS = [f"X{n:02d}" for n in range(1, 40)]

# In the page: what would run, or could run on a click or a hover. Herald's own markup has no
# inline script, no `on*=` attribute and no script URLs (a strict CSP would refuse them), so
# any of these came from input.
DETECT = """() => {
  const found = [];
  const scriptUrl = /^(javascript|vbscript|data:text\\/html)/;
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`${el.tagName} ${name}=${attr.value}`);
      if (["href", "src", "action", "formaction", "xlink:href", "data"].includes(name)
          && scriptUrl.test(value)) found.push(`${el.tagName} ${name}=${attr.value}`);
      if (name === "srcdoc" && !(el.hasAttribute("sandbox")
          && !el.getAttribute("sandbox").includes("allow-scripts")))
        found.push(`${el.tagName} srcdoc without a script-free sandbox`);
    }
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.localName === "script" && !el.hasAttribute("src")
        && (type === "" || type.includes("javascript") || type === "module"))
      found.push(`inline script: ${el.textContent.slice(0, 80)}`);
    if (["object", "embed", "base"].includes(el.localName)) found.push(el.localName);
  }
  return {canary: window.__xss === undefined ? null : String(window.__xss), found};
}"""
