#!/usr/bin/env python3
"""The whole journey in a real browser (headless Chromium over WebDriver), on the demo data,
written from the user's side: each story asserts on what a person sees and saves screenshots
of its key screens to the folder printed at the end.

- A herder in Nagqu, reading Tibetan on a phone-sized screen, finds the subsistence allowance
  by a Tibetan query, applies with pre-filled fields and his identity card standing in for the
  paper, gets past a file that is too large and a double-clicked button, and sees his case
  number.
- An applicant gets the one-time notice, supplements once, is accepted, approved, picks the
  result up at the window with his code, and the result arrives in his wallet as a signed
  certificate.
- A bad rating of that case opens a rectification task that the department answers; the
  applicant reads the answer.
- An official issues a certificate; anyone verifies it by its QR link without signing in;
  after revocation the same link says revoked.
- A fee: the identity card's renewal is approved with a payment notice, paid online at the
  sandbox provider, settled by its signed callback; the case moves on and the electronic
  receipt verifies from the wallet.

Run by .ci/run after the shell checks: `python3 .ci/journeys.py target/debug/yiwang`.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check as bc  # noqa: E402  (the WebDriver client and the checks)

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/debug/yiwang"
bc.ARTIFACTS = os.environ.get("YIWANG_JOURNEYS", os.path.abspath("ci-artifacts/journeys"))
check = bc.check

HERDER = "540624197804120528"


def demo_credit_code(n):
    """The nth demo entity's unified social credit code (GB 32100), as
    identity::seed::demo_credit_code makes it."""
    org = bc.demo_org_code(n).replace("-", "")
    body = "91540100" + org
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    c = 31 - sum(alphabet.index(ch) * w for ch, w in zip(body, weights)) % 31
    return body + alphabet[0 if c == 31 else c]
CITIZEN = "540102199001011233"


def text(wd):
    return wd.js("return document.body.innerText")


def main():
    stack = contextlib.ExitStack()
    env = dict(os.environ, YIWANG_LOG="warn")
    try:
        # Today is an input: the stories take 2026-12-21, so that the subsistence case's 20
        # working days run into 2027, whose holiday arrangement is not announced; from 10:00 in
        # Lhasa, so that the hall is open for story 6.
        site, wd, data = stack.enter_context(bc.demo_and_browser(BINARY, "yiwang-journeys-", "--today", "2026-12-21T10:00"))
        password = open(os.path.join(data, "admin-password"), encoding="utf-8").read().strip()

        def signs_in(account, lang="zh"):
            wd.go(f"{site}/signin?lang={lang}")
            wd.type("#f-account", account)
            wd.type("#f-password", password)
            wd.click("main form button[type=submit]")
            wd.wait_for_url(lambda u: "/signin" not in u)

        secrets, used = {}, {}

        def official_signs_in(login):
            """Password, then the one-time code: enrolled on the first sign-in (the secret is
            shown once), from the same secret afterwards; a code is never used twice."""
            wd.go(f"{site}/signin?lang=zh")
            wd.type("#f-account", login)
            wd.type("#f-password", password)
            wd.click("main form button[type=submit]")
            wd.wait_for_url(lambda u: "/signin/totp" in u)
            shown = wd.js("const c = document.querySelector('code.secret'); return c ? c.innerText : null")
            if shown:
                secrets[login] = shown
            # The server takes the step before, the current one and the one after (a phone's
            # clock a little off), each step once: a clerk signing in again within the same
            # 30 seconds types the next step's code, as a phone running ahead would show, and
            # waits only when that one is used too.
            step = max(int(time.time()) // 30, used.get(login, -1) + 1)
            while step > int(time.time()) // 30 + 1:
                time.sleep(1)
            code = bc.totp_now(secrets[login], step)
            used[login] = step
            wd.type("#f-code", code)
            wd.click("main form button[type=submit]")
            wd.wait_for_url(lambda u: "/signin/totp" not in u)

        def signs_out():
            wd.go(f"{site}/me")
            wd.click("header form button")
            wd.wait_for_url(lambda u: u.rstrip("/") == site)

        def fill_files(path):
            for fid in wd.js("return Array.from(document.querySelectorAll('main input[type=file]')).map(e => e.id)"):
                wd.type("#" + fid, path)

        def item_in_chengguan(query):
            """The first item Chengguan offers for `query`, as the catalogue's API lists it."""
            with urllib.request.urlopen(f"{site}/api/v1/items?division=540102&q=" + urllib.parse.quote(query) + "&limit=1") as r:
                return json.load(r)["items"][0]

        def citizen_applies(item_code, details):
            """The demo citizen applies online with every file given; returns the case's page
            (without its query) and leaves them signed in on it."""
            signs_in(CITIZEN)
            wd.go(f"{site}/apply/{item_code}?lang=zh")
            wd.type("#f-details", details)
            fill_files(pdf)
            wd.click("main form button[value=submit]")
            wd.wait_for_url(lambda u: "/me/cases/" in u)
            return wd.url().split("?")[0]

        pdf = os.path.join(bc.ARTIFACTS, "material.pdf")
        with open(pdf, "wb") as f:
            f.write(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
        big = os.path.join(tempfile.mkdtemp(), "scan.pdf")
        with open(big, "wb") as f:
            f.write(b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024))

        print("story 1: a herder in Amdo, Nagqu, applies in Tibetan on his phone")
        wd.size(390, 844)
        signs_in(HERDER, "bo")
        wd.go(f"{site}/items?lang=bo&q=" + urllib.parse.quote("འཚོ་བའི་འགན་ལེན"))
        check(wd.js("return document.querySelectorAll('main ul.results li a').length") > 0, "a Tibetan query finds the subsistence allowance")
        wd.screenshot("1-herder-search-bo.png")
        found = wd.js("return Array.from(document.querySelectorAll('main ul.results li a')).map(a => a.getAttribute('href'))")
        item = urllib.request.urlopen(f"{site}/api/v1/items?division=540624&q=" + urllib.parse.quote("最低生活保障") + "&limit=1")
        code = json.load(item)["items"][0]["code"]
        check(any(code in h or "000102002000" in h for h in found), "his county's item is among the results")
        wd.go(f"{site}/apply/{code}?lang=bo")
        check(wd.js("return document.querySelector('#f-applicant_name').value") == "索朗", "his name is filled in")
        check(wd.js("return document.querySelector('a[href^=\"/v/\"]') !== null"), "his identity card stands in for the paper (no need to submit)")
        overflow = wd.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        check(overflow <= 0, f"the form fits his phone (overflow {overflow}px)")
        wd.screenshot("1-herder-form-bo.png")
        wd.type("#f-details", "ཁྱིམ་ཚང་གི་ཡོང་འབབ་དམའ། གནག་ཕྱུགས་ཤི་བ།")
        # His session ends while the form is open (signed out on another device).
        wd.s("DELETE", "/cookie/yw_session")
        wd.click("main form button[value=submit]")
        check(wd.wait_for_url(lambda u: "/signin" in u), "a form sent after the session ended asks to sign in")
        wd.type("#f-account", HERDER)
        wd.type("#f-password", password)
        wd.click("main form button[type=submit]")
        check(wd.wait_for_url(lambda u: f"/apply/{code}" in u), f"signing in returns to the form ({wd.url()})")
        check("གནག་ཕྱུགས་ཤི་བ" in wd.js("return document.querySelector('#f-details').value"), "what he typed is kept")
        wd.screenshot("1-herder-form-kept-bo.png")
        fill_files(big)
        wd.click("main form button[value=submit]")
        check(wd.wait_js("return document.querySelectorAll('.field-error').length > 0"), "a file that is too large is named at its material")
        check("གནག་ཕྱུགས་ཤི་བ" in wd.js("return document.querySelector('#f-details').value"), "what he typed is still there")
        wd.screenshot("1-herder-too-large-bo.png")
        fill_files(pdf)
        # A double click: the same form sent twice makes one case.
        wd.js("const b = document.querySelector('main form button[value=submit]'); b.click(); b.click();")
        check(wd.wait_for_url(lambda u: "/me/cases/" in u), f"submitting leads to his case ({wd.url()})")
        number = wd.js("return (document.querySelector('main dl.facts code') || {}).innerText || ''")
        check(code[:10] in number, f"he sees his case number ({number})")
        wd.screenshot("1-herder-case-bo.png")
        wd.go(f"{site}/me/cases?lang=bo")
        check(wd.js("return document.querySelectorAll('main tbody tr').length") == 1, "the double click made one case")
        signs_out()
        wd.size(1280, 900)

        print("story 2: the one-time notice, one supplement, approval, pickup, the result as a certificate")
        case_url = citizen_applies(item_in_chengguan("最低生活保障")["code"], "家庭收入低于当地低保标准")
        case_id = case_url.rsplit("/", 1)[1]
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/cases/{case_id}?lang=zh")
        wd.js("document.querySelector('form[action$=\"/notice\"] input[name=what]').click()")
        wd.type("form[action$='/notice'] input[name^='reason-']", "申请书缺少签名")
        wd.click("form[action$='/notice'] button")
        check(wd.wait_js("return document.body.innerText.includes('一次性告知')"), "the clerk sends the one-time notice")
        wd.screenshot("2-notice-zh.png")
        check(wd.js("return document.querySelector('form[action$=\"/notice\"]') === null"), "a second notice is not offered")
        signs_out()
        signs_in(CITIZEN)
        wd.go(f"{case_url}?lang=zh")
        check("申请书缺少签名" in text(wd), "the applicant reads everything missing at once")
        fill_files(pdf)
        wd.click("form[action$='/supplement'] button")
        check(wd.wait_js("return document.body.innerText.includes('补正材料已收到')"), "he supplements once")
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/cases/{case_id}?lang=zh")
        wd.click("form[action$='/accept'] button")
        check(wd.wait_js("return document.body.innerText.includes('已受理，办结期限')"), "the clerk accepts, with the due date by the working-day calendar")
        due = re.search(r"(\d{4}-\d{2}-\d{2})", text(wd).split("已受理，办结期限", 1)[-1])
        check(due is not None and due.group(1) == "2027-01-19", f"accepted on 2026-12-21 in Lhasa, due 2027-01-19 on the statutory holidays ({due and due.group(1)})")
        check("暂定" in text(wd), "the due date in 2027, whose arrangement is not announced, is marked provisional")
        wd.screenshot("2-accepted-zh.png")
        signs_out()
        official_signs_in("approver.chengguan")
        wd.go(f"{site}/console/tasks?lang=zh")
        wd.click("main table a")
        wd.wait_for_url(lambda u: "/console/tasks/" in u)
        wd.type("#o-opinion", "经核查，家庭收入符合条件，同意。")
        wd.click("button[value=approve]")
        check(wd.wait_js("return document.body.innerText.includes('已批准') || document.body.innerText.includes('批准')"), "the civil-affairs bureau approves")
        signs_out()
        signs_in(CITIZEN)
        wd.go(f"{case_url}?lang=zh")
        if due:
            check(due.group(1) in text(wd), f"the case shows its due date {due.group(1)}")
        wd.click("form[action$='/delivery'] input[value=pickup] ~ button")
        check(wd.wait_js("return document.querySelector('.pickup-code strong') !== null"), "he chooses pickup and sees his six-digit code")
        pickup = re.fullmatch(r"(\d{6})", wd.js("return document.querySelector('.pickup-code strong').innerText").strip())
        wd.screenshot("2-pickup-code-zh.png")
        wd.go(f"{site}/me/certs?lang=zh")
        check("最低生活保障证" in text(wd), "the result arrived in his wallet as a certificate")
        wd.screenshot("2-wallet-zh.png")
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/cases/{case_id}?lang=zh")
        wd.type("#h-code", "000000")
        wd.click("button[value=hand-out]")
        check(wd.wait_js("return document.querySelector('.notice.error') !== null"), "a wrong pickup code is refused")
        wd.go(f"{site}/console/cases/{case_id}?lang=zh")
        wd.type("#h-code", pickup.group(1) if pickup else "")
        wd.click("button[value=hand-out]")
        check(wd.wait_js("return document.body.innerText.includes('已办结')"), "the clerk hands the result out with his code; the case closes")
        wd.screenshot("2-handed-out-zh.png")
        signs_out()

        print("story 2b: a walk-in at the window for an enterprise; two departments in parallel; the licence in the enterprise's wallet")
        company = demo_credit_code(0)
        signs_in(CITIZEN)
        wd.go(f"{site}/me/entities?lang=zh")
        wd.type("#f-credit_code", company)
        wd.click("form[action='/me/entities/claim'] button")
        check(wd.wait_js("return document.body.innerText.includes('拉萨净土青稞食品有限公司')"), "the legal representative claims his enterprise (checked against the registry)")
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/window?lang=zh")
        wd.type("#w-id", "540102199001011234")
        wd.click("form[action='/console/window/sms'] button")
        check(wd.wait_js("return document.querySelector('#w-id-error') !== null"), "a wrong identity number typed at the window is named at its field")
        wd.js("document.querySelector('#w-id').value = ''")
        wd.type("#w-id", CITIZEN)
        wd.click("form[action='/console/window/sms'] button")
        wd.wait_for_url(lambda u: "/console/window/" in u and "sms" not in u)
        presence = wd.url().split("?")[0]
        with urllib.request.urlopen(f"{site}/dev/sms") as r:
            code6 = re.search(r"核验码 (\d{6})", r.read().decode("utf-8"))
        wd.type("#w-code", code6.group(1) if code6 else "000000")
        wd.click("form[action$='/verify'] button")
        check(wd.wait_js("return document.body.innerText.includes('拉萨净土青稞食品有限公司')"), "the person present proves who he is; his enterprise is offered")
        wd.go(f"{presence}?lang=zh&as={company}&q=" + urllib.parse.quote("食品经营许可"))
        wd.click("a[href*='/apply/']")
        check(wd.wait_js("return document.querySelector('#f-credit_code') !== null && document.querySelector('#f-credit_code').value === '" + company + "'"), "the form is the enterprise's, filled from the registry")
        wd.type("#f-details", "开办藏餐馆，经营藏式餐饮")
        fill_files(pdf)
        wd.click("main form button[value=submit]")
        check(wd.wait_for_url(lambda u: "/console/cases/" in u), f"submitted at the window, the clerk lands on the case ({wd.url()})")
        licence_case = wd.url().split("?")[0].rsplit("/", 1)[1]
        wd.click("form[action$='/accept'] button")
        check(wd.wait_js("return document.body.innerText.includes('已受理，办结期限')"), "the clerk accepts on the spot")
        wd.screenshot("2b-window-accepted-zh.png")
        signs_out()

        def approve_task(login, opinion):
            official_signs_in(login)
            wd.go(f"{site}/console/tasks?lang=zh")
            links = wd.js("return Array.from(document.querySelectorAll('main table a')).map(a => a.getAttribute('href'))")
            ok = False
            for href in links:
                wd.go(f"{site}{href}?lang=zh")
                if f"/console/cases/{licence_case}" in wd.js("return document.body.innerHTML") or wd.js("return document.body.innerText").count("开办藏餐馆") > 0:
                    wd.type("#o-opinion", opinion)
                    wd.click("button[value=approve]")
                    ok = wd.wait_js("return document.querySelector('.notice') !== null")
                    break
            signs_out()
            return ok

        check(approve_task("approver.lhasa", "经营场所符合要求，同意。"), "market regulation approves its task")
        check(approve_task("approver.health", "卫生条件符合要求，同意。"), "health approves its task, in parallel")
        check(approve_task("approver.lhasa", "准予许可。"), "market regulation decides the last stage")
        signs_in(CITIZEN)
        wd.go(f"{site}/me/cases/{licence_case}?lang=zh")
        check("已批准" in text(wd), "the case is approved")
        wd.click("form[action$='/delivery'] input[value=pickup] ~ button")
        wd.wait_js("return document.querySelector('.pickup-code strong') !== null")
        code_b = re.fullmatch(r"(\d{6})", wd.js("const e = document.querySelector('.pickup-code strong'); return e ? e.innerText.trim() : ''"))
        check(code_b is not None, "he chooses pickup and sees the code")
        wd.go(f"{site}/me/entities?lang=zh")
        wd.wait_js("return document.querySelector(\"form[action='/me/entities/claim']\") !== null")
        wd.screenshot("2b-entities-zh.png")
        acting = wd.js("const f = Array.from(document.querySelectorAll(\"form[action='/me/entities/act-for']\")).find(f => { const i = f.querySelector('input[name=credit_code]'); return i && i.value === arguments[0]; }); if (!f) return false; f.querySelector('button').click(); return true;", company)
        check(acting, "he switches to acting for his enterprise")
        wd.wait_js("return document.body.innerText.includes('拉萨净土青稞食品有限公司')")
        wd.go(f"{site}/me/certs?lang=zh")
        check("食品经营许可证" in text(wd), "the food business licence is in the enterprise's wallet")
        wd.screenshot("2b-enterprise-wallet-zh.png")
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/cases/{licence_case}?lang=zh")
        wd.type("#h-code", code_b.group(1) if code_b else "")
        wd.click("button[value=hand-out]")
        check(wd.wait_js("return document.body.innerText.includes('已办结')"), "the clerk hands the licence out with the pickup code")
        signs_out()

        print("story 3: a bad rating opens a rectification task the department answers")
        signs_in(CITIZEN)
        wd.go(f"{case_url}?lang=zh")
        wd.js("document.querySelector('form[action$=\"/rating\"] input[name=score][value=\"2\"]').click()")
        wd.type("form[action$='/rating'] textarea[name=comment]", "补正要求没有一次说清楚，多跑了一趟")
        wd.click("form[action$='/rating'] button")
        check(wd.wait_js("return document.body.innerText.includes('责任部门将核实整改')"), "a bad rating is taken and the department must answer")
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/rectifications?lang=zh")
        check("多跑了一趟" in text(wd), "the rectification task waits for the department")
        wd.screenshot("3-rectification-zh.png")
        wd.type("form[action^='/console/rectifications/'] textarea[name=reply]", "已对窗口人员开展培训，今后一次性告知全部补正内容。")
        wd.click("form[action^='/console/rectifications/'] button")
        check(wd.wait_js("return document.body.innerText.includes('已答复申请人')"), "the department answers")
        signs_out()
        signs_in(CITIZEN)
        wd.go(f"{case_url}?lang=zh")
        check("一次性告知全部补正内容" in text(wd), "the applicant reads the answer")
        wd.screenshot("3-answer-zh.png")
        signs_out()

        print("story 4: a certificate verified by its QR link without signing in, then revoked")
        official_signs_in("approver.chengguan")
        wd.go(f"{site}/console/certs?lang=zh")
        wd.js("const s = document.querySelector('#i-type'); s.value = Array.from(s.options).find(o => o.text.includes('残疾')).value;")
        wd.type("#i-holder", "扎西顿珠")
        wd.type("#i-code", CITIZEN)
        wd.click("form[method=post][action='/console/certs'] button[type=submit]")
        check(wd.wait_for_url(lambda u: "/console/certs/" in u), f"the bureau issues a certificate ({wd.url()})")
        manage = wd.url().split("?")[0]
        link = wd.js("return document.querySelector('.cert-qr svg') && document.querySelector('.cert-card code.wrap') && Array.from(document.querySelectorAll('.cert-card code.wrap')).map(c => c.innerText).find(t => t.startsWith('1.2.156'))")
        check(bool(link), "the printed certificate carries its identifier and QR code")
        signs_out()
        wd.go(f"{site}/v/{link}?lang=zh")
        check(wd.js("return (document.querySelector('.verdict-line') || {}).innerText || ''") == "有效", "anyone sees it is genuine and valid")
        wd.screenshot("4-verified-zh.png")
        official_signs_in("approver.chengguan")
        wd.go(f"{manage}?lang=zh")
        wd.js("document.querySelector('#m-action').value = 'revoke'")
        wd.type("#m-reason", "残疾等级重新评定")
        wd.click("form[action^='/console/certs/'] button[type=submit]")
        wd.wait_js("return document.body.innerText.includes('已注销')")
        signs_out()
        wd.go(f"{site}/v/{link}?lang=zh")
        check(wd.js("return (document.querySelector('.verdict-line') || {}).innerText || ''") == "已注销", "the same link now says revoked")
        wd.screenshot("4-revoked-zh.png")

        print("story 6: at the Chengguan hall: a booking online, a ticket at the kiosk, the clerk calls it, the screen shows it")
        food = json.load(urllib.request.urlopen(f"{site}/api/v1/items?division=540102&q=" + urllib.parse.quote("食品经营许可") + "&limit=1"))["items"][0]["code"]
        signs_in(CITIZEN)
        wd.go(f"{site}/halls/540102-zwfw/book?item={food}&lang=zh")
        wd.click("main form input[type=radio]:not([disabled])")
        wd.click("main form button[type=submit]")
        wd.wait_for_url(lambda u: "/me/appointments" in u)
        check(wd.js("return document.querySelector('strong.code') !== null && document.querySelector('.qr svg') !== null"), "the booking shows its code and its QR code")
        wd.screenshot("6-booked-zh.png")
        signs_out()
        wd.go(f"{site}/halls/540102-zwfw/kiosk?lang=bo")
        wd.click("section.kiosk form button.big")
        wd.wait_for_url(lambda u: "/halls/tickets/" in u)
        number = wd.js("return document.querySelector('h1.number').innerText")
        check(number.startswith("A"), f"the kiosk gives ticket {number}")
        wd.screenshot("6-ticket-bo.png")
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/halls/540102-zwfw/windows/01?lang=zh")
        wd.click("form[action$='/open'] button")
        wd.wait_js("return document.querySelector(\"form[action$='/call'] button\") !== null")
        wd.click("form[action$='/call'] button")
        check(wd.wait_js(f"return document.body.innerText.includes('{number}')"), f"window 01 calls {number}")
        wd.go(f"{site}/halls/540102-zwfw/screen")
        check(wd.wait_js(f"const c = document.querySelector('#recent td.number'); return c !== null && c.innerText === '{number}'"), "the calling screen shows the call")
        wd.screenshot("6-screen.png")
        wd.go(f"{site}/halls/540102-zwfw/windows/01?lang=zh")
        wd.click("form[action$='/finish'] button")
        check(wd.wait_js("return document.body.innerText.includes('已完成')"), "the clerk finishes the visit")
        signs_out()

        print("story 7: a fee paid online: the notice at approval, the sandbox provider, the case moves on, the receipt in the wallet")
        renewal = item_in_chengguan("居民身份证换领")
        check(renewal["department"] == "540102-public-security", "the identity card's renewal is Chengguan public security's")
        fee_case = citizen_applies(renewal["code"], "身份证有效期届满，申请换领")
        fee_id = fee_case.rsplit("/", 1)[1]
        signs_out()
        official_signs_in("clerk.chengguan")
        wd.go(f"{site}/console/cases/{fee_id}?lang=zh")
        wd.click("form[action$='/accept'] button")
        wd.wait_js("return document.body.innerText.includes('已受理，办结期限')")
        signs_out()
        official_signs_in("approver.security")
        decided = 0
        for _ in range(5):
            wd.go(f"{site}/console/tasks?lang=zh")
            link = wd.js("const a = Array.from(document.querySelectorAll('main table a')).find(a => a.innerText.includes(arguments[0]) || a.closest('tr').innerText.includes(arguments[0])); return a ? a.getAttribute('href') : null", "居民身份证换领")
            if not link:
                break
            wd.go(site + link)
            wd.type("#o-opinion", "证件信息核对无误，同意换领。")
            wd.click("button[value=approve]")
            wd.wait_js("return document.body.innerText.includes('批准')")
            decided += 1
        check(decided >= 1, f"public security approves the renewal ({decided} task(s))")
        signs_out()
        signs_in(CITIZEN)
        wd.go(f"{fee_case}?lang=zh")
        check("非税收入缴款通知书" in text(wd) and "待缴款" in text(wd), "the applicant's case shows the payment notice, due")
        check("20.00" in text(wd), "the fee is 20.00 yuan")
        axe_source = open(bc.AXE_JS, encoding="utf-8").read() if bc.AXE_JS and os.path.exists(bc.AXE_JS) else ""
        bc.audit(wd, "the case awaiting its fee", axe_source)
        wd.screenshot("7-case-awaiting-payment-zh.png")
        wd.click("#case-pay")
        wd.wait_for_url(lambda u: "/pay/" in u)
        notice_url = wd.url().split("?")[0]
        check(wd.js("return document.querySelector('#pay-total').innerText").strip() == "20.00", "the notice totals 20.00 yuan")
        check(wd.js("return document.querySelector('.pay-notice svg') !== null"), "the notice carries its QR code")
        check(wd.js("const b = document.querySelector('button[data-print]'); return b !== null && !b.hidden"), "the notice offers to print it")
        wd.go(f"{notice_url}?lang=bo")
        check("ཁྲལ་མིན་འབབ་ཁོངས་དངུལ་སྤྲོད་བརྡ་ཐོ" in text(wd), "the notice reads in Tibetan")
        bc.audit(wd, "the payment notice in Tibetan", axe_source)
        wd.screenshot("7-notice-bo.png")
        wd.click("#pay-online")
        check(wd.wait_js("return document.querySelector('#sandbox-normal') !== null"), "paying online leads to the provider's checkout")
        check(wd.js("return document.querySelector('#amount').innerText") == "¥20.00", "the provider asks for the notice's amount")
        wd.screenshot("7-sandbox-checkout.png")
        wd.click("#sandbox-normal")
        wd.wait_for_url(lambda u: "/pay/" in u and "127.0.0.1" in u and u.startswith(site))
        paid = False
        for _ in range(40):
            wd.go(f"{notice_url}?lang=zh")
            if wd.js("return (document.querySelector('#pay-state') || {}).innerText") == "已缴款":
                paid = True
                break
            time.sleep(0.25)
        check(paid, "the provider's signed callback settles the notice: paid")
        receipt = None
        for _ in range(40):
            wd.go(f"{site}/me/payments?lang=zh")
            receipt = wd.js("const a = document.querySelector('main td a[href^=\"/v/\"]'); return a ? a.getAttribute('href') : null")
            if receipt:
                break
            time.sleep(0.25)
        check(receipt is not None, "the electronic receipt is listed under my payments")
        bc.audit(wd, "my payments", axe_source)
        wd.screenshot("7-my-payments-zh.png")
        if receipt:
            wd.go(f"{site}{receipt}?lang=zh")
            check(wd.js("return (document.querySelector('.verdict-line') || {}).innerText || ''") == "有效", "the receipt verifies as genuine and valid")
            wd.screenshot("7-receipt-verified-zh.png")
        wd.go(f"{site}/me/certs?lang=zh")
        check("缴款" in text(wd) or "票据" in text(wd), "the receipt is in the wallet")
        wd.go(f"{fee_case}?lang=zh")
        check("已缴款" in text(wd) and "待缴款" not in text(wd), "the case shows the fee paid")
        check(wd.js("return document.querySelector('#case-pay') === null"), "and no longer offers to pay")
        check(wd.js("return Array.from(document.querySelectorAll('ol.timeline li')).some(li => li.innerText.includes('已缴费'))"), "the timeline shows the payment")
        wd.go(f"{site}/me/messages?lang=zh")
        check("缴款成功" in text(wd), "the payer is told the payment was received")
        signs_out()

        print("story 5: a case accepted before the Spring Festival and Losar shows the right due date")
        # A second demo that takes 2026-02-10 as today (`yiwang demo --today`): the 2026
        # calendar is loaded, and Lhasa is off 2/15-2/26 with 2/14 and 2/28 worked. Twenty
        # working days from 2/10 end on 3/19; with weekends alone they would end on 3/10.
        data2 = tempfile.mkdtemp(prefix="yiwang-journeys-feb-")
        port2 = bc.free_port()
        app2 = subprocess.Popen([BINARY, "demo", "--data", data2, "--listen", f"127.0.0.1:{port2}", "--today", "2026-02-10"], env=env, stdout=subprocess.DEVNULL)
        try:
            check(bc.wait_http(f"http://127.0.0.1:{port2}/healthz"), "a demo taking 2026-02-10 as today starts")
            site_feb = f"http://127.0.0.1:{port2}"
            password_feb = open(os.path.join(data2, "admin-password"), encoding="utf-8").read().strip()
            first_site = site
            site, password = site_feb, password_feb
            secrets.clear()
            used.clear()
            feb_case = citizen_applies(item_in_chengguan("最低生活保障")["code"], "春节前申请")
            signs_out()
            official_signs_in("clerk.chengguan")
            wd.go(f"{site}/console/cases/{feb_case.rsplit('/', 1)[1]}?lang=zh")
            wd.click("form[action$='/accept'] button")
            check(wd.wait_js("return document.body.innerText.includes('已受理，办结期限')"), "the clerk accepts on 2026-02-10")
            check("2026-03-19" in text(wd), "the due date skips the Spring Festival and Losar: 2026-03-19")
            wd.screenshot("5-spring-festival-zh.png")
            signs_out()
            signs_in(CITIZEN)
            wd.go(f"{feb_case}?lang=zh")
            check("2026-03-19" in text(wd), "the applicant sees the same due date")
            signs_out()
            site = first_site
        finally:
            bc.stop(app2)
    except bc.Unavailable:
        pass
    finally:
        stack.close()
        print(f"screenshots: {bc.ARTIFACTS}")
        print(f"journeys: {bc.passed} passed, {bc.failed} failed")
        if bc.failed:
            sys.exit(1)


if __name__ == "__main__":
    main()
