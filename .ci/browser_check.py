#!/usr/bin/env python3
"""Real-browser checks of the Yiwang shell: headless Chromium driven over WebDriver.

Starts `yiwang demo` on a fresh data directory, loads the home page and the main pages in
Chinese, Tibetan and English, and checks what a person sees: the title, the navigation,
Tibetan text and a Tibetan font on the bo page, a phone-sized screen without sideways
scrolling, keyboard focus that can be seen, and an automated accessibility audit (axe-core,
when AXE_JS names its file). Screenshots go to the folder printed at the end.

Standard library only: WebDriver is JSON over HTTP.
"""

import base64
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang"
ARTIFACTS = os.environ.get("YIWANG_ARTIFACTS", os.path.abspath("ci-artifacts/browser"))
AXE_JS = os.environ.get("AXE_JS", "")

passed, failed = 0, 0


def totp_now(secret_b32, step=None):
    """RFC 6238: six digits, HMAC-SHA1, 30-second steps (what an authenticator app shows), at
    `step` (default: the current one)."""
    import base64, hashlib, hmac, struct
    key = base64.b32decode(secret_b32.replace(" ", "").upper() + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    if step is None:
        step = int(time.time()) // 30
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000:06d}"


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok   {what}")
    else:
        failed += 1
        print(f"  FAIL {what}")


def demo_org_code(n):
    """The organization code (GB 11714) inside the nth demo entity's credit code, as
    identity::seed::demo_credit_code makes it."""
    org = f"MA{610000 + n:06d}"
    value = lambda c: int(c) if c.isdigit() else ord(c) - ord("A") + 10
    total = sum(value(c) * w for c, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2]))
    check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    return f"{org}-{check}"


def person_id(first17):
    """A citizen identity number (GB 11643) from its first 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, limit=60):
    start = time.time()
    while time.time() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    return False


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                            "--window-size=1280,900", f"--user-data-dir={tempfile.mkdtemp(prefix='yiwang-chrome-')}",
                        ],
                    },
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read() or b"{}").get("value", {})
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read()[:500]!r}") from None

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return self.s("POST", "/execute/async", {"script": script, "args": list(args)})

    def title(self):
        return self.s("GET", "/title")

    def size(self, w, h):
        self.s("POST", "/window/rect", {"width": w, "height": h})

    def tab(self):
        self.s("POST", "/actions", {"actions": [{"type": "key", "id": "kb", "actions": [{"type": "keyDown", "value": "\ue004"}, {"type": "keyUp", "value": "\ue004"}]}]})
        self.s("DELETE", "/actions")

    def screenshot(self, name):
        import base64
        png = base64.b64decode(self.s("GET", "/screenshot"))
        with open(os.path.join(ARTIFACTS, name), "wb") as f:
            f.write(png)

    def find(self, css):
        found = self.s("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def type(self, css, text):
        self.s("POST", f"/element/{self.find(css)}/value", {"text": text})

    def click(self, css):
        self.s("POST", f"/element/{self.find(css)}/click", {})

    def url(self):
        return self.s("GET", "/url")

    def wait_js(self, script, limit=10):
        """Waits until a script returns true (a page posted to itself keeps its URL)."""
        start = time.time()
        while time.time() - start < limit:
            if self.js(script):
                return True
            time.sleep(0.1)
        return False

    def wait_for_url(self, predicate, limit=10):
        """Waits for a navigation started by a click to land (a new go() would cancel it)."""
        start = time.time()
        while time.time() - start < limit:
            if predicate(self.url()):
                return True
            time.sleep(0.1)
        return False

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:
            pass


EXPECT = {
    "zh": {"title": "西藏政务服务网", "nav": "首页", "h1": "一网通办"},
    "bo": {"title": "བོད་ལྗོངས་གཞུང་དོན་ཞབས་ཞུའི་དྲ་བ།", "nav": "མགོ་ངོས།", "h1": "དྲ་བ་གཅིག་གིས་ཚང་མ་བསྒྲུབ།"},
    "en": {"title": "Tibet Government Services", "nav": "Home", "h1": "One network for every service"},
}

FOCUS_JS = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const cs = getComputedStyle(el);
const r = el.getBoundingClientRect();
return {tag: el.tagName, text: (el.textContent || '').trim().slice(0, 40),
        outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
        visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth};
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0] && v.nodes[0].target.join(' ')}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', nodes: 0, target: String(e)}]));
"""


# The Tibetan font the platform names first (Tibetan Machine Uni, Debian's
# fonts-tibetan-machine), as a printed PDF names it.
TIBETAN_FONT = re.compile(rb"Tibetan_?Machine_?Uni")


def printed(wd, name, width=21.0, height=29.7):
    """Prints the page on A4 (as a browser's print does) or on the paper given in cm, keeps the
    PDF, and returns its page count and bytes."""
    pdf = base64.b64decode(wd.s("POST", "/print", {"page": {"width": width, "height": height}, "background": False}))
    with open(os.path.join(ARTIFACTS, name), "wb") as f:
        f.write(pdf)
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf)), pdf


def audit(wd, label, axe_source):
    if not axe_source:
        return
    wd.js(axe_source + "; return true;")
    violations = wd.js_async(AXE_RUN)
    for v in violations:
        print(f"       {v['id']} ({v['impact']}): {v['nodes']} node(s), e.g. {v['target']}")
    check(not violations, f"{label}: axe-core finds no WCAG 2.1 AA or best-practice violations")


class Unavailable(Exception):
    """The demo or the browser did not start (already counted as a failed check)."""


def stop(process):
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def demo_and_browser(binary, prefix, *extra):
    """`yiwang demo` on a fresh data directory and a headless browser session: yields the
    site's address, the WebDriver and the data directory; both are stopped afterwards, whatever
    happens (a missing chromedriver included)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    data = tempfile.mkdtemp(prefix=prefix)
    app_port, driver_port = free_port(), free_port()
    env = dict(os.environ, YIWANG_LOG="warn")
    app = subprocess.Popen([binary, "demo", "--data", data, "--listen", f"127.0.0.1:{app_port}", *extra], env=env, stdout=subprocess.DEVNULL)
    driver = wd = None
    try:
        driver = subprocess.Popen(["chromedriver", f"--port={driver_port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_http(f"http://127.0.0.1:{app_port}/healthz"):
            check(False, "the demo starts")
            raise Unavailable()
        if not wait_http(f"http://127.0.0.1:{driver_port}/status", 30):
            check(False, "chromedriver starts")
            raise Unavailable()
        wd = WebDriver(driver_port)
        yield f"http://127.0.0.1:{app_port}", wd, data
    finally:
        if wd:
            wd.quit()
        if driver:
            stop(driver)
        stop(app)


def main():
    stack = contextlib.ExitStack()
    env = dict(os.environ, YIWANG_LOG="warn")
    try:
        # Today is an input: the checks take a fixed day, never the machine's.
        site, wd, data = stack.enter_context(demo_and_browser(BINARY, "yiwang-browser-", "--today", "2026-11-02T10:00"))
        axe_source = open(AXE_JS, encoding="utf-8").read() if AXE_JS and os.path.exists(AXE_JS) else ""
        if not axe_source:
            print("  note: AXE_JS not set; the axe-core audit is skipped")
        for lang, want in EXPECT.items():
            print(f"home page, lang={lang}")
            wd.size(1280, 900)
            wd.go(f"{site}/?lang={lang}")
            title = wd.title()
            check(want["title"] in title, f"title {title!r} names the site")
            check(wd.js("return document.documentElement.lang") == {"zh": "zh-CN", "bo": "bo", "en": "en"}[lang], "the html lang attribute")
            nav = wd.js("return document.querySelector('nav.main-nav').innerText")
            check(want["nav"] in nav, f"navigation shows {want['nav']!r}")
            check(want["h1"] in wd.js("return document.querySelector('h1').innerText"), "the main heading is in the language")
            landmarks = wd.js("return ['header','nav','main','footer'].every(t => document.querySelector(t))")
            check(landmarks, "header, navigation, main and footer landmarks")
            if lang == "bo":
                tibetan = wd.js("return (document.body.innerText.match(/[\\u0F00-\\u0FFF]/g) || []).length")
                check(tibetan > 200, f"Tibetan script on the page ({tibetan} characters)")
                font = wd.js("return getComputedStyle(document.body).fontFamily")
                check("Tibetan" in font or "Jomolhari" in font or "Himalaya" in font, f"a Tibetan font is asked for ({font[:60]}…)")
            wd.screenshot(f"home-{lang}-desktop.png")
            wd.size(390, 844)
            wd.go(f"{site}/?lang={lang}")
            overflow = wd.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(overflow <= 0, f"fits a phone screen without sideways scrolling (overflow {overflow}px)")
            wd.screenshot(f"home-{lang}-phone.png")
            audit(wd, f"home ({lang})", axe_source)
        print("keyboard")
        wd.size(1280, 900)
        wd.go(f"{site}/?lang=zh")
        wd.tab()
        first = wd.js(FOCUS_JS)
        check(first is not None and first["tag"] == "A" and "跳到正文" in first["text"] and first["visible"], f"the first Tab shows the skip link ({first})")
        seen_ok = True
        for _ in range(8):
            wd.tab()
            f = wd.js(FOCUS_JS)
            if f is None or not f["outline"] or not f["visible"]:
                seen_ok = False
                print(f"       focus not visible on {f}")
        check(seen_ok, "each focused control shows a visible focus outline")
        for path in ["/items?q=营业执照", "/items?q=གཉེན་སྒྲིག&lang=bo", "/lists/one-trip?division=540100", "/items/stats?by=level", "/centres?division=540100", "/centres/540102-zwfw", "/divisions", "/divisions/540102", "/calendar?from=2026-02-13&days=5&division=540102", "/search?topic=household", "/search?q=拉萨", "/bundles", "/bundles/open-restaurant?division=540102&lang=bo", "/lists/centre/540102-zwfw"]:
            print(f"page {path}")
            wd.go(site + urllib.parse.quote(path, safe="/?=&"))
            check(wd.js("return document.querySelector('main h1') !== null"), "has a main heading")
            name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-").replace("&", "_")[:60]
            wd.screenshot(f"page-{name}.png")
            audit(wd, path, axe_source)
        print("the hall")
        for path in ["/halls/540102-zwfw", "/halls/540102-zwfw/kiosk?lang=bo"]:
            wd.go(site + urllib.parse.quote(path, safe="/?=&"))
            check(wd.js("return document.querySelector('main h1') !== null"), f"{path} has a main heading")
            audit(wd, path, axe_source)
        wd.go(f"{site}/halls/540102-zwfw/screen")
        check(wd.wait_js("return document.body.getAttribute('data-updated') !== null"), "the calling screen receives the board by server-sent events")
        count_js = "return document.querySelector('[data-category=comprehensive] .count').textContent"
        before = int(wd.js(count_js))
        ticket = urllib.request.Request(f"{site}/api/v1/halls/540102-zwfw/tickets", data=json.dumps({"category": "comprehensive"}).encode(), headers={"content-type": "application/json"}, method="POST")
        started = time.time()
        with urllib.request.urlopen(ticket) as answer:
            issued = json.loads(answer.read())
        risen = wd.wait_js(f"{count_js} === '{before + 1}'", limit=5)
        took = time.time() - started
        check(risen and took < 1.5, f"the screen's waiting count rises with a new ticket ({took:.2f} s after it was asked for)")
        wd.screenshot("hall-screen.png")
        audit(wd, "/halls/{centre}/screen", axe_source)
        wd.go(f"{site}/halls/tickets/{issued['id']}?k={issued['key']}&lang=bo")
        check(wd.js("return document.body.innerText.includes('" + issued["number"] + "')"), "the printable ticket shows its number")
        check(wd.js("return document.querySelector('section.ticket time') !== null && document.querySelector('section.ticket').innerText.includes('ཚེས')"), "the Tibetan ticket gives the day in the Tibetan calendar too")
        pages, pdf = printed(wd, "ticket-bo.pdf", width=8.0, height=20.0)
        check(pages == 1, f"the Tibetan ticket prints on one 80 mm thermal slip ({pages})")
        check(TIBETAN_FONT.search(pdf) is not None, "the Tibetan ticket prints in the Tibetan font the platform names")
        audit(wd, "/halls/tickets/{id}", axe_source)
        wd.go(f"{site}/kiosk/540102-zwfw?lang=bo")
        check(wd.wait_js("return document.body.classList.contains('kiosk-mode') && document.querySelector('form.kiosk-end button') !== null"), "the kiosk mode shows large targets and a finish-and-clear button")
        wd.screenshot("kiosk-bo.png")
        audit(wd, "/kiosk/{centre}", axe_source)
        wd.s("DELETE", "/cookie/yw_kiosk")
        print("a service guide")
        wd.go(f"{site}/items?lang=zh&q=" + urllib.parse.quote("最低生活保障"))
        wd.click("ul.results li a")
        check(wd.wait_js("return document.body.innerText.includes('免提交')"), "the guide marks materials the platform fetches itself")
        wd.screenshot("guide-zh.png")
        audit(wd, "/items/{code}", axe_source)
        wd.size(390, 844)
        overflow = wd.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        check(overflow <= 0, f"the guide fits a phone screen (overflow {overflow}px)")
        wd.size(1280, 900)
        check(wd.js("return document.querySelector('svg.qr path') !== null"), "the guide shows a QR code to apply")
        check(wd.js("return document.querySelectorAll('svg.flow rect').length") >= 3, "the guide draws its steps as a flow")
        # Printed on A4: one or two pages, in Chinese and in Tibetan (Tibetan runs longer).
        guide_url = wd.url().split("?")[0]
        for lang in ["zh", "bo", "en"]:
            wd.go(f"{guide_url}?lang={lang}")
            pages, pdf = printed(wd, f"guide-{lang}.pdf")
            check(1 <= pages <= 2, f"the {lang} guide prints on one or two A4 pages ({pages})")
            if lang == "bo":
                check(TIBETAN_FONT.search(pdf) is not None, "the Tibetan guide prints in the Tibetan font the platform names")
        print("sign-in and registration")
        wd.go(f"{site}/register?lang=zh")
        audit(wd, "/register", axe_source)
        wd.type("#f-person_id", "36042619910102009X")
        wd.type("#f-name", "测试")
        wd.click("main form button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('校验位应为3')"), "a wrong identity number is named on the form")
        check(wd.js("return document.querySelectorAll('[aria-invalid=true]').length") >= 3, "every wrong field is marked for screen readers")
        wd.screenshot("register-errors-zh.png")
        audit(wd, "/register with errors", axe_source)
        password = open(os.path.join(data, "admin-password"), encoding="utf-8").read().strip()
        wd.go(f"{site}/signin?lang=bo")
        audit(wd, "/signin", axe_source)
        wd.type("#f-account", "13908900001")
        wd.type("#f-password", password)
        wd.click("main form button[type=submit]")
        check(wd.wait_for_url(lambda u: u.endswith("/me")), f"signing in leads to my account ({wd.url()})")
        header = wd.js("return document.querySelector('header').innerText")
        check("བཀྲ་ཤིས་དོན་གྲུབ།" in header, "the header greets the citizen by their Tibetan name")
        wd.screenshot("me-bo.png")
        wd.go(f"{site}/me/registry?lang=bo")
        check(wd.js("return document.querySelector('main table') !== null"), "the citizen sees their registry record")
        wd.screenshot("me-registry-bo.png")
        audit(wd, "/me/registry", axe_source)
        audit(wd, "/me", axe_source)
        wd.go(f"{site}/me/sessions?lang=en")
        check("This device" in wd.js("return document.body.innerText"), "the sessions page shows this device")
        audit(wd, "/me/sessions", axe_source)
        print("the citizen applies for the subsistence allowance with one form, in Tibetan")
        found = json.load(urllib.request.urlopen(f"{site}/api/v1/items?division=540102&q=" + urllib.parse.quote("最低生活保障") + "&limit=1"))
        dibao = found["items"][0]["code"]
        wd.go(f"{site}/apply/{dibao}?lang=bo")
        check(wd.js("return document.querySelector('#f-applicant_name').value") != "", "the name is filled in from the registry")
        check(wd.js("return document.body.innerText.includes('འབུལ་མི་དགོས།')"), "a material the registry holds is not asked for")
        audit(wd, "/apply/{code}", axe_source)
        wd.click("main form button[value=submit]")
        check(wd.wait_js("return document.querySelectorAll('.field-error').length > 0"), "a form without its details and files names what is missing")
        check(wd.js("return document.querySelector('#f-details').getAttribute('aria-invalid')") == "true", "the missing field is marked for screen readers")
        wd.screenshot("apply-errors-bo.png")
        audit(wd, "/apply/{code} with errors", axe_source)
        pdf_path = os.path.join(ARTIFACTS, "material.pdf")
        with open(pdf_path, "wb") as f:
            f.write(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        wd.type("#f-details", "ཁྱིམ་ཚང་གི་ཡོང་འབབ་དམའ།")
        for fid in wd.js("return Array.from(document.querySelectorAll('main input[type=file]')).map(e => e.id)"):
            wd.type("#" + fid, pdf_path)
        wd.click("main form button[value=submit]")
        check(wd.wait_for_url(lambda u: "/me/cases/" in u), f"submitting leads to the case ({wd.url()})")
        case_url = wd.url().split("?")[0]
        check(wd.js("return document.querySelector('main code') !== null"), "the case number is shown")
        wd.screenshot("case-submitted-bo.png")
        audit(wd, "/me/cases/{id}", axe_source)
        # The receipt, in Tibetan: the Tibetan date beside the Gregorian one, printed on one
        # page in the Tibetan font.
        receipt = wd.js("const a = document.querySelector('a[href*=\"/documents/\"]'); return a && a.getAttribute('href')")
        check(receipt is not None, "the case lists its receipt")
        if receipt:
            wd.go(f"{site}{receipt}?lang=bo")
            check(wd.js("return document.querySelector('.tibetan-date') !== null"), "the receipt shows the Tibetan date")
            wd.screenshot("receipt-bo.png")
            pages, pdf = printed(wd, "receipt-bo.pdf")
            check(pages == 1, f"the Tibetan receipt prints on one A4 page ({pages})")
            check(TIBETAN_FONT.search(pdf) is not None, "the Tibetan receipt prints in the Tibetan font the platform names")
            wd.go(case_url + "?lang=bo")
        wd.go(f"{site}/me/cases?lang=zh")
        audit(wd, "/me/cases", axe_source)
        print("the citizen's certificates: the wallet, the printable certificate, public verification")
        wd.go(f"{site}/me/certs?lang=bo")
        check(wd.js("return document.querySelectorAll('main ul.results li').length") > 0, "the wallet lists the citizen's certificates")
        audit(wd, "/me/certs", axe_source)
        wd.click("main ul.results li a")
        check(wd.js("return document.querySelector('.cert-qr svg') !== null"), "the printable certificate carries its QR code")
        wd.screenshot("certificate-bo.png")
        pages, pdf = printed(wd, "certificate-bo.pdf")
        check(pages == 1, f"the Tibetan certificate prints on one A4 page ({pages})")
        check(TIBETAN_FONT.search(pdf) is not None, "the Tibetan certificate prints in the Tibetan font the platform names")
        audit(wd, "/me/certs/{id}", axe_source)
        verify_link = wd.js("return document.querySelector('a[href^=\"/v/\"]').getAttribute('href')")
        with urllib.request.urlopen(f"{site}{verify_link}?lang=zh") as r:
            check(r.status == 200 and "有效" in r.read().decode("utf-8"), "anyone verifies the certificate by its link, without signing in")
        wd.go(f"{site}{verify_link}?lang=bo")
        audit(wd, "/v/{identifier}", axe_source)
        wd.go(f"{site}/certs/verify?lang=zh&id=1.2.156.3005.2.bad")
        check(wd.js("return document.querySelector('.notice.error') !== null"), "a malformed identifier is told plainly")
        audit(wd, "/certs/verify with an error", axe_source)
        print("single sign-on: a connected system asks for consent")
        reg = subprocess.run([BINARY, "client", "add", "browser-rp", "--name-zh", "农牧民补贴查询",
                              "--name-bo", "ཞིང་འབྲོག་པའི་རོགས་དངུལ།", "--name-en", "Herders' subsidy lookup",
                              "--public", "--redirect-uri", f"{site}/healthz", "--scopes", "openid profile phone",
                              "--database-url", f"sqlite://{data}/yiwang.db"], capture_output=True, text=True, env=env)
        check(reg.returncode == 0, f"a client is registered from the command line {reg.stderr.strip()}")
        challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        wd.go(f"{site}/?lang=bo")
        wd.go(f"{site}/oauth2/authorize?response_type=code&client_id=browser-rp&scope=openid%20profile%20phone&state=s1"
              f"&redirect_uri={urllib.parse.quote(site + '/healthz', safe='')}&code_challenge={challenge}&code_challenge_method=S256")
        text = wd.js("return document.body.innerText")
        check("ཞིང་འབྲོག་པའི་རོགས་དངུལ།" in text, "the consent screen names the system in Tibetan")
        wd.screenshot("consent-bo.png")
        audit(wd, "/oauth2/authorize (consent)", axe_source)
        wd.click("main form button[value=allow]")
        check(wd.wait_for_url(lambda u: "/healthz?code=" in u and "state=s1" in u), f"allowing returns to the system with a code ({wd.url()[:80]})")
        wd.go(f"{site}/me/apps?lang=zh")
        check("农牧民补贴查询" in wd.js("return document.body.innerText"), "my connected systems list the one just allowed")
        audit(wd, "/me/apps", axe_source)
        print("the citizen's messages: the history on every channel, and the settings")
        wd.go(f"{site}/me/messages?lang=bo")
        check(wd.wait_js("return document.querySelectorAll('main tbody tr').length > 0"), "the history lists the case's messages, each with how it went")
        audit(wd, "/me/messages", axe_source)
        wd.go(f"{site}/me/messages/preferences?lang=bo")
        audit(wd, "/me/messages/preferences", axe_source)
        wd.type("#f-email", "zhuoma@")
        wd.js("document.querySelector('#f-email').type = 'text'")
        wd.click("main form button[type=submit]")
        check(wd.wait_js("return document.querySelector('.notice.error') !== null"), "a bad email address is named, and nothing is kept")
        audit(wd, "/me/messages/preferences with an error", axe_source)
        wd.go(f"{site}/me?lang=bo")
        wd.click("header form button")
        check(wd.wait_for_url(lambda u: u.rstrip("/") == site), f"signing out leads home ({wd.url()})")
        print("an administrator signs in with a one-time code and sees the client registry")
        wd.go(f"{site}/signin?lang=zh")
        wd.type("#f-account", "admin.region")
        wd.type("#f-password", password)
        wd.click("main form button[type=submit]")
        check(wd.wait_for_url(lambda u: "/signin/totp" in u), "an official is asked for a one-time code")
        secret = wd.js("return document.querySelector('code.secret').innerText")
        wd.type("#f-code", totp_now(secret))
        wd.click("main form button[type=submit]")
        wd.wait_for_url(lambda u: "/signin/totp" not in u)
        wd.go(f"{site}/admin/clients?lang=zh")
        if check("browser-rp" in wd.js("return document.body.innerText"), "the client registry lists the system"):
            wd.screenshot("admin-clients-zh.png")
            audit(wd, "/admin/clients", axe_source)
        wd.go(f"{site}/me")
        wd.click("header form button")
        wd.wait_for_url(lambda u: u.rstrip("/") == site)
        wd.go(f"{site}/me")
        check("/signin" in wd.url(), "after signing out, my account asks for a sign-in again")

        print("a data steward drafts a new version; an approver in the division publishes it")
        found = json.load(urllib.request.urlopen(f"{site}/api/v1/items?division=540100&level=prefecture&q=" + urllib.parse.quote("公司设立登记") + "&limit=1"))
        code = found["items"][0]["code"]

        def official_signs_in(login):
            wd.go(f"{site}/signin?lang=zh")
            wd.type("#f-account", login)
            wd.type("#f-password", password)
            wd.click("main form button[type=submit]")
            wd.wait_for_url(lambda u: "/signin/totp" in u)
            secret = wd.js("return document.querySelector('code.secret').innerText")
            wd.type("#f-code", totp_now(secret))
            wd.click("main form button[type=submit]")
            wd.wait_for_url(lambda u: "/signin/totp" not in u)

        def signs_out():
            wd.go(f"{site}/me")
            wd.click("header form button")
            wd.wait_for_url(lambda u: u.rstrip("/") == site)

        official_signs_in("steward.region")
        wd.go(f"{site}/registry/persons?lang=zh")
        audit(wd, "/registry/persons", axe_source)
        wd.go(f"{site}/manage/items?lang=zh")
        audit(wd, "/manage/items", axe_source)
        wd.go(f"{site}/manage/items/{code}?lang=zh")
        wd.js("document.querySelector('#f-promised_days').value = ''")
        wd.type("#f-promised_days", "三天")
        wd.click("form[action$='" + code + "'] button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('不是整数')"), "a time limit that is not a number is named on the form")
        check(wd.js("return document.querySelector('#f-promised_days').getAttribute('aria-invalid')") == "true", "the wrong field is marked for screen readers")
        wd.screenshot("manage-error-zh.png")
        audit(wd, "/manage/items/{code} with errors", axe_source)
        wd.js("document.querySelector('#f-promised_days').value = ''")
        wd.type("#f-promised_days", "0")
        wd.click("form[action$='" + code + "'] button[type=submit]")
        check(wd.wait_for_url(lambda u: "/v/2" in u), f"the draft is saved as version 2 ({wd.url()})")
        check("与第 1 版相比" in wd.js("return document.body.innerText"), "the draft shows what changed against the published version")
        wd.screenshot("manage-diff-zh.png")
        audit(wd, "/manage/items/{code}/v/2", axe_source)
        wd.click("form[action$='/submit'] button")
        check(wd.wait_js("return document.body.innerText.includes('已送审')"), "the draft is sent for review")
        wd.go(f"{site}/manage/import?lang=en")
        audit(wd, "/manage/import", axe_source)
        signs_out()
        official_signs_in("approver.lhasa")
        wd.go(f"{site}/manage/items/{code}/v/2?lang=zh")
        wd.click("form[action$='/publish'] button")
        check(wd.wait_js("return document.body.innerText.includes('已发布')"), "the approver publishes it")
        published = json.load(urllib.request.urlopen(f"{site}/api/v1/items/{code}"))
        check(published["promised_days"] == 0, "the published item has the new time limit")
        print("market regulation finds an entity by its old organization code")
        org = demo_org_code(0)
        wd.go(f"{site}/registry/entities?lang=zh")
        wd.type("#f-credit_code", org)
        wd.type("#f-purpose", "食品经营许可审查")
        wd.click("main form button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('拉萨净土青稞食品有限公司')"), "the old code finds the entity")
        wd.screenshot("registry-entity-zh.png")
        audit(wd, "/registry/entities (record)", axe_source)
        print("an official finds a person by the sound of their Tibetan name, on a Tibetan page")
        wd.go(f"{site}/registry/persons?lang=bo")
        wd.type("#n-name", "Tashi Dondrub")
        wd.type("#n-purpose", "低保审核")
        wd.click("form[action$='/names'] button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('བཀྲ་ཤིས་དོན་གྲུབ')"), "the spelling by sound finds བཀྲ་ཤིས་དོན་གྲུབ")
        check("540102199001011233" not in wd.js("return document.documentElement.outerHTML"), "the person's number is nowhere in the page")
        wd.screenshot("registry-names-bo.png")
        audit(wd, "/registry/persons/names (found)", axe_source)
        wd.click("main table form button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('5401**********1233')"), "the picked record is read in full, its number masked")
        wd.go(f"{site}/registry/persons?lang=bo")
        wd.type("#n-name", "扎")
        wd.type("#n-purpose", "低保审核")
        wd.click("form[action$='/names'] button[type=submit]")
        check(wd.wait_js("return document.querySelector('#n-name').getAttribute('aria-invalid') === 'true'"), "one Chinese character is refused at its field")
        audit(wd, "/registry/persons/names (refused)", axe_source)
        signs_out()
        print("a 12345 agent takes a call in Tibetan; the department signs for it")
        official_signs_in("agent.12345")
        wd.go(f"{site}/hotline/console?lang=bo&phone=13800000009")
        check(wd.js("return document.querySelector('#f-category option[value=assistance]') !== null"), "the console offers the dispatch catalogue's categories")
        audit(wd, "/hotline/console", axe_source)
        wd.type("#f-kb", "ལག་ཁྱེར")
        wd.click("#knowledge button[type=submit]")
        check(wd.wait_js("return document.querySelectorAll('#knowledge .results li').length > 0"), "the agent finds an article in Tibetan during the call")
        audit(wd, "/hotline/console (knowledge base)", axe_source)
        wd.click("#knowledge .results li a[href*='article=']")
        check(wd.wait_js("return document.querySelector('#f-answer').value.length > 0"), "answering with an article puts its text in the call's form")
        wd.go(f"{site}/hotline/console?lang=bo&phone=13800000009")

        def fill_call(description):
            for field, value in [("#f-lang", "bo"), ("#f-kind", "complaint"), ("#f-category", "assistance"), ("#f-division", "540102")]:
                wd.js(f"document.querySelector('{field}').value = arguments[0]", value)
            wd.js("document.querySelector('#f-description').value = arguments[0]", description)
            wd.click("main form[method=post] button[type=submit]")

        fill_call("   ")
        check(wd.wait_js("return document.querySelector('.notice.error') !== null"), "an empty matter is named, and nothing is taken")
        check(wd.js("return document.querySelector('#f-description').getAttribute('aria-invalid')") == "true", "the empty field is marked for screen readers")
        audit(wd, "/hotline/console with an error", axe_source)
        fill_call("རྒན་པ་ཞིག་ལ་རོགས་རམ་དགོས།")
        check(wd.wait_for_url(lambda u: "/hotline/tickets/" in u), f"the call becomes a ticket ({wd.url()})")
        ticket_url = wd.url()
        audit(wd, "/hotline/tickets/{id}", axe_source)
        wd.go(f"{site}/hotline/figures?lang=bo")
        check(wd.wait_js("return document.querySelector('main svg[role=img]') !== null"), "the figures are drawn on the server")
        audit(wd, "/hotline/figures", axe_source)
        signs_out()
        official_signs_in("approver.chengguan")
        wd.go(f"{site}/hotline/department?lang=zh")
        check(wd.js("return document.querySelectorAll('main tbody tr').length") == 1, "the department sees the ticket")
        audit(wd, "/hotline/department", axe_source)
        wd.go(ticket_url.split("?")[0] + "?lang=zh")
        wd.click("main form[action$='/act'] button")
        check(wd.wait_js("return document.body.innerText.includes('办理中')"), "signing for it moves it into handling")
        audit(wd, "/hotline/tickets/{id} (handling)", axe_source)
        signs_out()
        print("the public reads the knowledge base in Tibetan")
        wd.go(f"{site}/knowledge?lang=bo&q=" + urllib.parse.quote("ལག་ཁྱེར"))
        check(wd.wait_js("return document.querySelectorAll('main .results li').length > 0"), "a Tibetan word finds the article")
        audit(wd, "/knowledge", axe_source)
        wd.click("main .results li a")
        check(wd.wait_for_url(lambda u: "/knowledge/" in u), f"the article opens ({wd.url()})")
        check(wd.wait_js("return document.querySelector('main h1').innerText.includes('ལག་ཁྱེར')"), "the article is in Tibetan")
        audit(wd, "/knowledge/{id}", axe_source)
        wd.go(f"{site}/hotline/monthly?lang=bo")
        check(wd.wait_js("return document.querySelectorAll('main tbody tr').length == 12"), "the public sees twelve months")
        audit(wd, "/hotline/monthly", axe_source)
        print("a hotline manager sets a seat's languages")
        official_signs_in("manager.12345")
        wd.go(f"{site}/hotline/seats?lang=bo")
        check(wd.wait_js("return document.querySelector('main input[name=languages][value=bo]:checked') !== null"), "the demo's agent takes calls in Tibetan")
        audit(wd, "/hotline/seats", axe_source)
        wd.click("main input[name=languages][value=en]")
        # Marked so that the page after the save is told from this one.
        wd.js("window.yiwangBefore = true")
        wd.click("main tbody form button[type=submit]")
        check(wd.wait_js("return window.yiwangBefore === undefined && document.querySelector('main input[name=languages][value=en]:checked') !== null"), "English is added to her seat")
        wd.go(f"{site}/hotline/open311-keys?lang=bo")
        wd.type("#f-name", "Shigatse city app")
        wd.click("main form[method=post] button[type=submit]")
        check(wd.wait_js("return document.querySelector('main .notice.ok code') !== null"), "a new Open311 key is shown once")
        audit(wd, "/hotline/open311-keys", axe_source)
        wd.go(f"{site}/hotline/limits?lang=bo")
        check(wd.wait_js("return document.querySelector('#limit-handle-complaint').value == '13'"), "a complaint is handled in 13 working days by default")
        audit(wd, "/hotline/limits", axe_source)
        print("a hotline manager lists the complaint's matter for rectification")
        wd.go(f"{site}/hotline/problems?lang=bo")
        check(wd.wait_js("return document.querySelectorAll('#problem-lines tbody tr').length > 0"), "the Tibetan caller's complaint is on the problem list")
        audit(wd, "/hotline/problems", axe_source)
        wd.js("window.yiwangBefore = true")
        wd.click("#problem-lines tbody tr form button[type=submit]")
        check(wd.wait_js("return window.yiwangBefore === undefined && document.querySelectorAll('main article.card').length == 1"), "the matter is tracked to its rectification")
        audit(wd, "/hotline/problems (listed)", axe_source)
        signs_out()
        print("the Chengguan civil-affairs clerk adopts another department's value")
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/registry/checks?lang=zh")
        check(wd.wait_js("return document.body.innerText.includes('家庭医生签约档案')"), "health's disagreement waits in the queue")
        wd.screenshot("registry-checks-zh.png")
        audit(wd, "/registry/checks", axe_source)
        wd.click("main form button[value=adopt]")
        check(wd.wait_js("return document.body.innerText.includes('已采纳报送的值')"), "adopting says so")
        wd.go(f"{site}/registry/batches?lang=bo")
        audit(wd, "/registry/batches", axe_source)
        print("the same clerk sends civil affairs' marital statuses as a CSV batch (the steward's guide, step 3)")
        dawa = person_id("54010219880712061")
        wrong = dawa[:-1] + ("0" if dawa[-1] != "0" else "1")
        batch_dir = tempfile.mkdtemp(prefix="yiwang-batch-")

        def send_batch(name, text):
            path = os.path.join(batch_dir, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            wd.go(f"{site}/registry/batches?lang=zh")
            wd.type("#b-reference", "民政婚姻登记 2026-11")
            wd.type("#b-file", path)
            wd.click("form[action='/registry/batches'] button[type=submit]")

        send_batch("bad.csv", f"person_id,marital_status\n{dawa},已婚\n{wrong},married\n")
        check(wd.wait_js("return document.body.innerText.includes('需要更正的行')"), "a batch with mistakes is refused")
        cells = wd.js("return Array.from(document.querySelectorAll('main table tbody tr')).map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim()])")
        check(cells == [["2", "marital_status"], ["3", "person_id"]], f"each mistake is named with its line and field ({cells})")
        wd.screenshot("registry-batch-refused-zh.png")
        audit(wd, "/registry/batches (refused)", axe_source)
        send_batch("good.csv", f"person_id,marital_status\n{dawa},married\n")
        check(wd.wait_js("return document.body.innerText.includes('已检查') && document.body.innerText.includes('更新')"), "the corrected batch is applied")
        done = wd.js("return document.querySelector('main').innerText")
        check("1 行" in done.replace("\u2068", "").replace("\u2069", ""), "it says how many rows it checked")
        print("the same clerk reads the data resource catalogue, in Tibetan")
        wd.go(f"{site}/exchange/resources?lang=bo")
        check(wd.js("return document.querySelectorAll('main table tbody tr').length") >= 3, "the catalogue lists the registries and layers")
        audit(wd, "/exchange/resources", axe_source)
        wd.go(f"{site}/exchange/resources/101001~000001?lang=bo")
        check(wd.js("return document.querySelectorAll('main table tbody tr').length") > 10, "the population resource lists its data items")
        audit(wd, "/exchange/resources/{code}", axe_source)
        wd.go(f"{site}/exchange/resources/301003~000001?lang=bo")
        versions = wd.js("return document.querySelectorAll('#versions + .table-wrap tbody tr').length")
        check(versions == 1, f"a department's table shows its uploaded version ({versions})")
        audit(wd, "/exchange/resources/{code} (a table with versions)", axe_source)
        wd.go(f"{site}/exchange/providers?lang=bo")
        audit(wd, "/exchange/providers", axe_source)
        print("the same clerk asks public security for applicants' names and ethnicity, in Tibetan")
        wd.go(f"{site}/exchange/resources/101001~000001?lang=bo")
        wd.click("main a.button[href^='/exchange/requests/new']")
        check(wd.wait_for_url(lambda u: "/exchange/requests/new" in u), "the resource page leads to the request form")
        audit(wd, "/exchange/requests/new", axe_source)
        wd.click("input[name=items][value=name_zh]")
        wd.click("input[name=items][value=ethnicity]")
        wd.type("#purpose", "核对低保申请人的民族以落实政策")
        wd.type("#legal_basis", "《社会救助暂行办法》")
        wd.click("form[action='/exchange/requests'] button[type=submit]")
        check(wd.wait_for_url(lambda u: re.search(r"/exchange/requests/\d+", u) is not None), f"the request is sent and shown ({wd.url()})")
        check(wd.js("return document.querySelector('main dl.facts time') !== null"), "it shows the data authority's deadline")
        audit(wd, "/exchange/requests/{id}", axe_source)
        wd.go(f"{site}/exchange/requests?lang=bo")
        check(wd.js("return document.querySelectorAll('main table tbody tr').length") >= 1, "the request is listed")
        audit(wd, "/exchange/requests", axe_source)
        wd.go(f"{site}/exchange/subscriptions?lang=bo")
        check(wd.js("return document.querySelector('main h1') !== null && document.documentElement.lang === 'bo'"), "the subscriptions page reads in Tibetan")
        audit(wd, "/exchange/subscriptions", axe_source)
        wd.go(f"{site}/exchange/monitoring?lang=bo")
        check(wd.js("return document.querySelector('main figure svg') !== null"), "the monitoring page draws its chart")
        audit(wd, "/exchange/monitoring", axe_source)
        print("the same clerk pre-reviews the citizen's application and accepts it")
        wd.go(f"{site}/console/cases?lang=zh")
        check(wd.wait_js("return document.querySelector('main table a') !== null"), "the application waits in the pre-review queue")
        audit(wd, "/console/cases", axe_source)
        wd.click("main table a")
        wd.wait_for_url(lambda u: "/console/cases/" in u)
        audit(wd, "/console/cases/{id}", axe_source)
        wd.click("form[action$='/accept'] button")
        check(wd.wait_js("return document.body.innerText.includes('已受理，办结期限')"), "accepting gives the due date")
        wd.screenshot("case-accepted-zh.png")
        print("the same clerk serves the citizen at the comprehensive window")
        wd.go(f"{site}/console/window?lang=zh")
        audit(wd, "/console/window", axe_source)
        wd.type("#w-id", "540102199001011234")
        wd.click("form[action='/console/window/sms'] button")
        check(wd.wait_js("return document.querySelector('#w-id-error') !== null"), "a mistyped identity number is named at its field")
        audit(wd, "/console/window with an error", axe_source)
        wd.js("document.querySelector('#w-id').value = ''")
        wd.type("#w-id", "540102199001011233")
        wd.click("form[action='/console/window/sms'] button")
        check(wd.wait_for_url(lambda u: "/console/window/" in u and "sms" not in u), f"a code is texted to the person ({wd.url()})")
        presence = wd.url().split("?")[0]
        with urllib.request.urlopen(f"{site}/dev/sms") as r:
            texts = r.read().decode("utf-8")
        code = re.search(r"核验码 (\d{6})", texts)
        check(code is not None, "the person's phone received the code")
        wd.type("#w-code", code.group(1) if code else "000000")
        wd.click("form[action$='/verify'] button")
        check(wd.wait_js("return document.querySelector('#w-q') !== null"), "the code read out proves the person's presence")
        wd.go(f"{presence}?lang=zh&q=" + urllib.parse.quote("最低生活保障"))
        check(wd.js("return document.querySelector('a[href*=\"/apply/\"]') !== null"), "the clerk finds the item for the person")
        wd.screenshot("window-person-zh.png")
        audit(wd, "/console/window/{id}", axe_source)
        wd.click("a[href*='/apply/']")
        check(wd.wait_js("return document.querySelector('#f-applicant_id') !== null && document.querySelector('#f-applicant_id').value === '540102199001011233'"), "the form is the person's own")
        audit(wd, "/console/window/{id}/apply/{code}", axe_source)
        signs_out()
        print("a township's station records a villager's consent and applies for them")
        official_signs_in("station.najin")
        station = f"{site}/console/stations/540102200000-bmfw"
        wd.go(f"{station}?lang=zh")
        audit(wd, "/console/stations/{code}", axe_source)
        found = json.load(urllib.request.urlopen(f"{site}/api/v1/items?division=540102&q=" + urllib.parse.quote("最低生活保障") + "&limit=1"))
        item = found["items"][0]["code"] if found.get("items") else ""
        villager = person_id("54010219880712061")
        wd.type("#c-id", villager)
        wd.type("#c-name", "达瓦")
        wd.type("#c-item", item)
        wd.click("form[action$='/consents'] button[type=submit]")
        check(wd.wait_js("return document.body.innerText.includes('委托必须有凭证')"), "a consent without proof is refused and says why")
        audit(wd, "/console/stations/{code} with an error", axe_source)
        consent_pdf = os.path.join(tempfile.mkdtemp(prefix="yiwang-consent-"), "consent.pdf")
        with open(consent_pdf, "wb") as f:
            f.write(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        wd.type("#c-scan", consent_pdf)
        wd.click("form[action$='/consents'] button[type=submit]")
        check(wd.wait_for_url(lambda u: "/consents/" in u), f"the signed consent page is recorded ({wd.url()})")
        audit(wd, "/console/stations/{code}/consents/{id}", axe_source)
        wd.click("a.button[href$='/apply']")
        check(wd.wait_js(f"return document.querySelector('#f-applicant_id') !== null && document.querySelector('#f-applicant_id').value === '{villager}'"), "the form is the villager's, filled from the registry")
        wd.screenshot("station-apply-zh.png")
        audit(wd, "/console/stations/{code}/consents/{id}/apply", axe_source)
        signs_out()
        print("anyone browses the geography registry without a map")
        wd.go(f"{site}/geography?lang=bo")
        audit(wd, "/geography", axe_source)
        wd.go(f"{site}/geography/land-parcels?division=540100&lang=zh")
        wd.screenshot("geography-list-zh.png")
        audit(wd, "/geography/land-parcels", axe_source)
        wd.click("main tbody a")
        check(wd.wait_js("return document.body.innerText.includes('外包框')"), "a parcel shows its bounding box")
        audit(wd, "/geography/land-parcels/{id}", axe_source)
        items = json.load(urllib.request.urlopen(f"{site}/ogc/collections/land-parcels/items?bbox=90,29,92.5,30.5&limit=10"))
        check(items["type"] == "FeatureCollection" and len(items["features"]) == 10, "OGC API gives ten parcels near Lhasa")
        wd.go(f"{site}/nowhere?lang=en")
        check("Page not found" in wd.js("return document.body.innerText"), "an unknown page says so in English")
    except Unavailable:
        pass
    finally:
        stack.close()
        print(f"screenshots: {ARTIFACTS}")
        print(f"browser: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    import urllib.parse  # noqa: F401  (used in main)
    main()
